// Test-runner commands that work in every launcher of the widget tests (puppeteer: Chromium and Firefox;
// webdriver: WebKit, see browser-launchers.mjs):
// - `executeServerCommand('screenshot', { name })` saves a PNG of the test page under
//   test-output/screenshots/ (and a copy per browser under test-output/screenshots/<browser>/), for
//   people to look at what the element shows.
// - `executeServerCommand('viewport', { width, height })` sizes the page's viewport; the built-in
//   setViewport command knows no webdriver browser.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';

const browserFolder = (browser) =>
  String(browser.name ?? 'browser')
    .split(' ')[0]
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '_');

export function screenshotCommandPlugin(dir = 'test-output/screenshots') {
  return {
    name: 'screenshot-command',
    async executeCommand({ command, payload, session }) {
      if (command !== 'screenshot') return undefined;
      const name = String(payload?.name ?? 'screenshot').replace(/[^a-z0-9-]/gi, '_');
      const file = `${dir}/${name}.png`;
      await mkdir(`${dir}/${browserFolder(session.browser)}`, { recursive: true });
      if (typeof session.browser.viewportScreenshot === 'function') {
        await writeFile(file, await session.browser.viewportScreenshot(session.id));
      } else {
        await session.browser.getPage(session.id).screenshot({ path: file });
      }
      await copyFile(file, `${dir}/${browserFolder(session.browser)}/${name}.png`);
      return file;
    },
  };
}

export function viewportCommandPlugin() {
  return {
    name: 'viewport-command',
    async executeCommand({ command, payload, session }) {
      if (command !== 'viewport') return undefined;
      const { width, height } = payload ?? {};
      if (!Number.isInteger(width) || !Number.isInteger(height))
        throw new Error('viewport needs integer width and height');
      const browser = session.browser;
      // The size the page got: a browser may not go as narrow as asked (see browser-launchers.mjs).
      if (typeof browser.setViewport === 'function') return browser.setViewport({ width, height });
      if (browser.type === 'puppeteer') await browser.getPage(session.id).setViewport({ width, height });
      else if (browser.type === 'playwright')
        await browser.getPage(session.id).setViewportSize({ width, height });
      else throw new Error(`viewport is not supported for browser type ${browser.type}`);
      return { width, height };
    },
  };
}
