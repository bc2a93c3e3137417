// A test-runner command: `executeServerCommand('set-offline', { offline })` makes Chromium's network
// offline for the test page (navigator.onLine false, 'offline' event, requests fail), as DevTools does.
export function offlineCommandPlugin() {
  return {
    name: 'set-offline-command',
    async executeCommand({ command, payload, session }) {
      if (command !== 'set-offline') return undefined;
      const page = session.browser.getPage(session.id);
      await page.setOfflineMode(Boolean(payload?.offline));
      return true;
    },
  };
}
