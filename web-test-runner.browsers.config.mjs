// `npm run test:browsers`: the widget tests in Chromium, Firefox and WebKit (Safari's engine), against
// the same real backend as web-test-runner.config.mjs, whose plugins and middleware this reuses.
//   WTR_BROWSERS=chromium,firefox,webkit (default: all three; any subset, in this order)
// Chromium: the npm one (or CHROMIUM_PATH). Firefox: Debian's firefox-esr. WebKit: Debian's
// webkit2gtk-driver (WebKitWebDriver + MiniBrowser) under an Xvfb of its own (package xvfb); see
// test/support/browser-launchers.mjs. Within one run the browsers take turns (the tests stop and start
// the one backend); `npm run test:browsers` starts one run per browser at once, each with its own port
// (WTR_PORT) and backend.

import { firefoxLauncher, webkitLauncher } from './test/support/browser-launchers.mjs';
import baseConfig from './web-test-runner.config.mjs';

const [chromium] = baseConfig.browsers;
const launchers = { chromium: () => chromium, firefox: firefoxLauncher, webkit: webkitLauncher };

const wanted = (process.env.WTR_BROWSERS ?? 'chromium,firefox,webkit')
  .split(',')
  .map((name) => name.trim().toLowerCase())
  .filter(Boolean);
for (const name of wanted) {
  if (!launchers[name]) throw new Error(`WTR_BROWSERS: unknown browser ${name} (chromium, firefox, webkit)`);
}

export default {
  ...baseConfig,
  concurrency: 1,
  concurrentBrowsers: 1,
  // Firefox and WebKit start in 3 to 6 s here; 60 s leaves room on a busy 2-core machine.
  browserStartTimeout: 60_000,
  // The base timeout is for one browser's run of all files.
  testsFinishTimeout: baseConfig.testsFinishTimeout * Math.max(1, wanted.length),
  browsers: Object.keys(launchers)
    .filter((name) => wanted.includes(name))
    .map((name) => launchers[name]()),
};
