// A test-runner command: `executeServerCommand('screenshot', { name })` saves a PNG of the test page
// under test-output/screenshots/, for people to look at what the element shows.
import { mkdir } from 'node:fs/promises';

export function screenshotCommandPlugin(dir = 'test-output/screenshots') {
  return {
    name: 'screenshot-command',
    async executeCommand({ command, payload, session }) {
      if (command !== 'screenshot') return undefined;
      const name = String(payload?.name ?? 'screenshot').replace(/[^a-z0-9-]/gi, '_');
      await mkdir(dir, { recursive: true });
      const page = session.browser.getPage(session.id);
      await page.screenshot({ path: `${dir}/${name}.png` });
      return `${dir}/${name}.png`;
    },
  };
}
