// Browser launchers for the widget tests beyond Chromium, with Debian's browsers (no browser download):
// - Firefox ESR (/usr/bin/firefox-esr) through puppeteer-core over WebDriver BiDi, i.e. the same
//   chromeLauncher as Chromium: sendKeys, setViewport and page screenshots work as they do there.
// - WebKit (WebKitGTK's MiniBrowser, Safari's engine) through WebKitWebDriver (W3C WebDriver classic)
//   and @web/test-runner-webdriver. MiniBrowser needs an X display even when headless, so the launcher
//   starts its own Xvfb and driver on first use and ends both, with every browser process, on stop.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromeLauncher, puppeteerCore } from '@web/test-runner-chrome';
import { WebdriverLauncher } from '@web/test-runner-webdriver';

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER_PATH = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver';
/** The narrowest viewport MiniBrowser's window allows, with its toolbar. */
const MINIBROWSER_MIN_WIDTH = 480;

export const MINIBROWSER_PATH =
  process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** Firefox ESR driven by puppeteer-core over WebDriver BiDi (the `puppeteer` option names it "Firefox"). */
export function firefoxLauncher() {
  if (!existsSync(FIREFOX_PATH)) throw new Error(`${FIREFOX_PATH} is missing: apt-get install firefox-esr`);
  return chromeLauncher({
    puppeteer: puppeteerCore,
    launchOptions: {
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      headless: true,
      // No network beyond this machine: keep Firefox from phoning home while the tests run.
      extraPrefsFirefox: {
        'network.captive-portal-service.enabled': false,
        'network.connectivity-service.enabled': false,
        'browser.safebrowsing.update.enabled': false,
        'extensions.update.enabled': false,
        'app.update.auto': false,
        // A tab a page opens (checkout="hosted") stays in the background, as in Chromium's headless
        // mode: in front, it would hide the page under test, whose timers Firefox then throttles.
        'browser.tabs.loadDivertedInBackground': true,
      },
    },
  });
}

// Runs "$@" in a process group of its own, led by this shell, which exits with "$@" and ends the whole
// group once its stdin (a pipe from this Node process) closes: also when Node dies without running any
// handler (SIGTERM, SIGKILL), no driver, browser or X server is left behind.
const GROUP_GUARD =
  'exec 9<&0 </dev/null; { while read -r _ <&9; do :; done; kill -TERM 0; } & watcher=$!; ' +
  '"$@" 9<&-; code=$?; kill $watcher 2>/dev/null; exit $code';

/** Starts a command in its own process group (fd 2 piped; extraFds from fd 3 on). */
function spawnGroup(command, args, env, extraFds = []) {
  const child = spawn('sh', ['-c', GROUP_GUARD, 'sh', command, ...args], {
    env,
    stdio: ['pipe', 'ignore', 'pipe', ...extraFds],
    detached: true,
  });
  child.unref();
  for (const stream of [child.stdin, child.stderr, ...child.stdio.slice(3)]) stream?.unref?.();
  return child;
}

function killGroup(child, signal = 'SIGTERM') {
  if (!child?.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function groupAlive(child) {
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the whole group (Xvfb removes its lock files), SIGKILL to whatever is left after graceMs. */
async function endGroup(child, graceMs = 5000) {
  if (!child?.pid) return;
  killGroup(child, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(child)) {
    if (Date.now() > deadline) {
      killGroup(child, 'SIGKILL');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Xvfb on the first free display (-displayfd: no race with other X servers on the machine). */
async function startXvfb() {
  const xvfb = spawnGroup(
    'Xvfb',
    ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
    process.env,
    ['pipe'],
  );
  let stderr = '';
  xvfb.stderr.on('data', (chunk) => (stderr += chunk));
  const display = await new Promise((resolve, reject) => {
    let text = '';
    xvfb.stdio[3].on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) resolve(`:${text.trim()}`);
    });
    xvfb.once('error', reject);
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code}): ${stderr}`)));
  });
  return { xvfb, display };
}

async function waitForDriver(url, child, timeoutMs = 15_000) {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`WebKitWebDriver exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/status`);
      if (response.ok && (await response.json()).value?.ready) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs)
      throw new Error(`WebKitWebDriver did not answer on ${url} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * WebKit (WebKitGTK MiniBrowser) through WebKitWebDriver. Xvfb and the driver start with the first test
 * file and end with the test runner (stop()), or at the latest when this Node process exits.
 */
class WebKitGtkLauncher extends WebdriverLauncher {
  #xvfb;
  #driver;
  #starting;
  #onExit = () => {
    killGroup(this.#driver);
    killGroup(this.#xvfb);
  };

  async initialize(config, testFiles) {
    await super.initialize(config, testFiles);
    this.name = 'WebKit';
  }

  async #ensureDriver() {
    if (this.#driver) return;
    this.#starting ??= (async () => {
      for (const [what, file] of [
        ['webkit2gtk-driver', WEBKIT_DRIVER_PATH],
        ['libwebkit2gtk-4.1-0', MINIBROWSER_PATH],
      ]) {
        if (!existsSync(file)) throw new Error(`${file} is missing: apt-get install ${what} xvfb`);
      }
      process.once('exit', this.#onExit);
      const { xvfb, display } = await startXvfb();
      this.#xvfb = xvfb;
      const port = await freePort();
      // No accessibility bus runs here: GTK need not look for one.
      const env = { ...process.env, DISPLAY: display, GTK_A11Y: 'none', NO_AT_BRIDGE: '1' };
      const driver = spawnGroup(WEBKIT_DRIVER_PATH, [`--port=${port}`, '--host=local'], env);
      let stderr = '';
      // Only the tail is kept: it is shown if the driver does not come up.
      driver.stderr.on('data', (chunk) => {
        stderr = `${stderr}${chunk}`.slice(-10_000);
      });
      this.#driver = driver;
      try {
        await waitForDriver(`http://127.0.0.1:${port}`, driver);
      } catch (error) {
        throw new Error(`${error.message}\n${stderr}`);
      }
      this.options.hostname = '127.0.0.1';
      this.options.port = port;
      this.options.path = '/';
    })();
    await this.#starting;
  }

  async startSession(id, url) {
    await this.#ensureDriver();
    await this.ensureManagerInitialized();
    // Every test file starts at 800×600 CSS pixels, as chromeLauncher's pages do.
    await this.setViewport({ width: 800, height: 600 });
    return super.startSession(id, url);
  }

  /**
   * One key after the other. webdriverio's keys() presses a whole array down and then releases it, a
   * chord: typing '4000 0000' that way loses every repeated character (the key is already down).
   */
  async sendKeys(sessionId, keys) {
    for (const key of keys) await super.sendKeys(sessionId, [key]);
  }

  /** The W3C screenshot of the viewport, as a PNG buffer (test/support/screenshot-command.mjs). */
  async viewportScreenshot() {
    return Buffer.from(await this.driver.takeScreenshot(), 'base64');
  }

  /**
   * Sizes the window so that the page's viewport is width × height CSS pixels (MiniBrowser has a toolbar)
   * and returns the size it got: MiniBrowser's window cannot be narrower than its toolbar (447 px here),
   * so a phone width comes out as the narrowest the window allows. Any other miss is an error.
   */
  async setViewport({ width, height }) {
    const inner = () => this.driver.execute(() => ({ width: window.innerWidth, height: window.innerHeight }));
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = await inner();
      if (now.width === width && now.height === height) return now;
      const rect = await this.driver.getWindowRect();
      await this.driver.setWindowRect(
        null,
        null,
        rect.width + width - now.width,
        rect.height + height - now.height,
      );
    }
    const got = await inner();
    if (got.height !== height || got.width > Math.max(width, MINIBROWSER_MIN_WIDTH)) {
      throw new Error(`Could not size the viewport to ${width}×${height} (is ${got.width}×${got.height})`);
    }
    return got;
  }

  async stop() {
    try {
      await super.stop();
    } finally {
      await endGroup(this.#driver);
      await endGroup(this.#xvfb);
      this.#driver = this.#xvfb = this.#starting = undefined;
      process.off('exit', this.#onExit);
    }
  }
}

export function webkitLauncher() {
  return new WebKitGtkLauncher({
    // hostname/port are filled in once the driver runs; logLevel 'error' keeps webdriverio quiet.
    logLevel: 'error',
    connectionRetryCount: 0,
    capabilities: {
      // WebKitWebDriver speaks WebDriver classic only: no BiDi upgrade attempt.
      'wdio:enforceWebDriverClassic': true,
      'webkitgtk:browserOptions': { binary: MINIBROWSER_PATH, args: ['--automation'] },
    },
  });
}
