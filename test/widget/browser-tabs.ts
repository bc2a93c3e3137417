// A second tab and the log of the page's requests, for the live balance's tests. Where the launcher has
// a driver that can open pages and watch requests (puppeteer: Chromium, Firefox), the browser itself does
// both (test/support/tabs-command.mjs). WebKit's WebDriver can do neither here: the page opens the tab
// with window.open, and the requests come from the browser's resource timing of each page.

import { executeServerCommand, sendKeys } from '@web/test-runner-commands';

async function command<T>(
  name: string,
  payload?: unknown,
): Promise<{ done: true; value: T } | { done: false }> {
  const answer = await executeServerCommand(name, payload);
  const noDriver = typeof answer === 'object' && answer !== null && 'noDriver' in answer;
  return noDriver ? { done: false } : { done: true, value: answer as T };
}

let openedTab: Window | null = null;
/** Since when requests count, in the fallback: milliseconds since the epoch. */
let recordingSince: number | null = null;

export async function openTab(url: string): Promise<void> {
  if ((await command('open-tab', { url })).done) return;
  // WebKit opens a tab only for a person's action: a key pressed on a button of the page.
  const button = document.createElement('button');
  button.textContent = 'open the second tab';
  button.addEventListener('click', () => {
    openedTab = window.open(url, '_blank');
  });
  document.body.append(button);
  button.focus();
  try {
    await sendKeys({ press: 'Enter' });
  } finally {
    button.remove();
  }
  if (!openedTab) throw new Error('the browser refused to open the second tab');
  // The test page stays in front: key presses of later tests must reach it, not the new window.
  window.focus();
}

/** The balance the <credit-topup> in the second tab shows. */
export async function tabAmount(): Promise<string | undefined> {
  const answer = await command<string>('tab-amount');
  if (answer.done) return answer.value;
  return openedTab?.document
    .querySelector('credit-topup')
    ?.shadowRoot?.querySelector('.amount')
    ?.textContent?.trim();
}

export async function closeTab(): Promise<void> {
  await command('close-tab');
  if (openedTab) {
    openedTab.close();
    openedTab = null;
    window.focus();
  }
}

export async function recordRequests(): Promise<void> {
  if ((await command('record-requests')).done) return;
  recordingSince = performance.timeOrigin + performance.now();
}

/** The GET requests of the page and its tab since recordRequests (CORS preflights are not requests). */
export async function recordedGets(): Promise<string[]> {
  const answer = await command<string[]>('recorded-requests');
  if (answer.done) return answer.value.filter((line) => line.startsWith('GET '));
  const since = recordingSince ?? 0;
  // Resource timing names no method: the element reads the balance (and its stream) only with GET, and
  // the test's own POSTs go to other paths, which the tests do not look at.
  return [window, openedTab]
    .flatMap((page) =>
      page
        ? page.performance
            .getEntriesByType('resource')
            .filter((entry) => page.performance.timeOrigin + entry.startTime >= since)
            .map((entry) => `GET ${entry.name}`)
        : [],
    )
    .filter((line) => line.includes('/v1/'));
}
