// Test-runner commands for the live balance's browser test, in the puppeteer launcher (Chromium, Firefox;
// any other answers { noDriver: true }, see test/widget/browser-tabs.ts):
// - `record-requests`: from now on, every request of the test page and of the tabs it opens is noted
//   (method and URL); `recorded-requests` hands the list back. The browser's own log, not the page's
//   word: a request the element made is in it, whichever API made it.
// - `open-tab` { url }: a second page (a tab) in the same browser, on the test server's origin;
//   `tab-amount` reads the balance the <credit-topup> there shows; `close-tab` closes it.

export function tabsCommandPlugin() {
  const logs = new Map();
  const tabs = new Map();
  // Each page is listened to once; `record-requests` starts a new list.
  const listened = new WeakSet();
  const listen = (page, sessionId) => {
    if (listened.has(page)) return;
    listened.add(page);
    page.on('request', (request) => logs.get(sessionId)?.push(`${request.method()} ${request.url()}`));
  };
  return {
    name: 'tabs-command',
    async executeCommand({ command, payload, session }) {
      if (!['record-requests', 'recorded-requests', 'open-tab', 'tab-amount', 'close-tab'].includes(command))
        return undefined;
      // Nothing was opened where nothing can be: the tests' clean-up works in every launcher.
      if (command === 'close-tab' && !tabs.has(session.id)) return true;
      // Another launcher (WebKit's WebDriver) has no way to do it: the test does it in the page instead.
      if (session.browser.type !== 'puppeteer') return { noDriver: true };
      const page = session.browser.getPage(session.id);
      switch (command) {
        case 'record-requests':
          logs.set(session.id, []);
          listen(page, session.id);
          return true;
        case 'recorded-requests':
          return logs.get(session.id) ?? [];
        case 'open-tab': {
          const tab = await page.browser().newPage();
          listen(tab, session.id);
          await tab.goto(new URL(payload.url, page.url()).toString());
          tabs.set(session.id, [...(tabs.get(session.id) ?? []), tab]);
          // Firefox puts a new page in front and hides the test page (its timers throttled, its
          // visibilityState hidden, its screenshots stuck): the test page goes back in front.
          await page.bringToFront();
          return true;
        }
        case 'tab-amount': {
          const [tab] = tabs.get(session.id) ?? [];
          // Never undefined: the test runner would take that for "not my command".
          const amount = await tab.evaluate(() =>
            document.querySelector('credit-topup')?.shadowRoot?.querySelector('.amount')?.textContent?.trim(),
          );
          return amount ?? '';
        }
        case 'close-tab':
          for (const tab of tabs.get(session.id) ?? []) await tab.close();
          tabs.delete(session.id);
          await page.bringToFront();
          return true;
      }
    },
  };
}
