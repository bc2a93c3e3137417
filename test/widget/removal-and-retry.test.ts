// The element taken out of the page while something of it is still under way (a balance request, the
// confirmation of a return URL), and a balance that is retried after a failure: nothing may go on behind
// the page's back, and nothing the host page must hear may be swallowed.

import { expect } from '@esm-bundle/chai';
import type { CreditTopup } from '../../widget/credit-topup.ts';
import {
  balanceShown,
  cleanup,
  dialogOf,
  eventsOf,
  freshApiBase,
  mount,
  newCustomer,
  paidSession,
  startApi,
  stopApi,
  text,
  tokenFor,
  until,
} from './browser-helpers.ts';

/** An element as a framework creates it: configured and inserted, without waiting for its first render. */
function insert(apiBase: string, configure: (element: CreditTopup) => void) {
  const element = document.createElement('credit-topup');
  element.setAttribute('api-base', apiBase);
  configure(element);
  document.body.append(element);
  return element;
}

describe('<credit-topup> removed while busy, and retrying', () => {
  const originalUrl = location.href;
  const unhandled: string[] = [];
  const onUnhandled = (event: PromiseRejectionEvent) => unhandled.push(String(event.reason));
  beforeEach(() => addEventListener('unhandledrejection', onUnhandled));
  afterEach(async () => {
    removeEventListener('unhandledrejection', onUnhandled);
    unhandled.length = 0;
    cleanup();
    history.replaceState(null, '', originalUrl);
    await startApi();
  });

  it('removed while its balance request is under way, it never asks again; inserted again, it recovers', async () => {
    const customer = await newCustomer();
    const apiBase = await freshApiBase();
    await stopApi();
    // Every balance request asks for a token first: the getters count the requests.
    let removedAsked = 0;
    let release: (token: string) => void = () => {};
    const removed = await mount({
      apiBase,
      configure: (created) =>
        (created.getAccessToken = () => {
          removedAsked++;
          return removedAsked === 1
            ? new Promise((resolve) => (release = resolve))
            : Promise.resolve(customer.token);
        }),
    });
    expect(removedAsked, 'its first request is under way').to.equal(1);
    removed.remove();
    release(customer.token); // the request goes on, and fails: the server is down
    // An element that stays, failing the same way just after: its retries come after any the removed
    // element would make (1 s, then 2 s later), so its third request means the removed one had its turn.
    let witnessAsked = 0;
    await mount({
      apiBase,
      configure: (created) =>
        (created.getAccessToken = async () => {
          witnessAsked++;
          return customer.token;
        }),
    });
    await until('the element on the page asked three times', () => witnessAsked >= 3);
    expect(removedAsked, 'the removed element asked no more').to.equal(1);

    document.body.append(removed);
    await startApi();
    expect(await balanceShown(removed)).to.equal('100');
  });

  it('a token that expires while the balance is retried is reported, and the next failure is reported again', async () => {
    const customer = await newCustomer();
    const { token: expired } = await tokenFor(customer.userId, true);
    let token = customer.token;
    await stopApi();
    let errors: CustomEvent[] = [];
    const element = await mount({
      apiBase: await freshApiBase(),
      configure: (created) => {
        created.getAccessToken = async () => token;
        errors = eventsOf(created, 'credit-topup-error');
      },
    });
    const codes = () => errors.map((event) => event.detail.code as string);
    await until('the server is unreachable', () => codes().includes('network_error'));
    // The server is back, and the token expired meanwhile: the element's own retry is refused.
    token = expired;
    await startApi();
    await until('session expired', () => text(element).includes('Ihre Sitzung ist abgelaufen'));
    expect(codes()).to.include('unauthorized');

    // Signed in again, and the server is away again: a new row of failures starts with an event.
    token = customer.token;
    await stopApi();
    const before = errors.length;
    await element.refresh();
    expect(codes().slice(before)).to.deep.equal(['network_error']);
  });

  it('back from a payment method, an element replaced before its first render leaves the confirmation to its replacement', async () => {
    const customer = await newCustomer();
    const session = await paidSession(customer.token, 'standard');
    history.replaceState(null, '', `${location.pathname}?credit_topup_session=${session.id}`);
    const apiBase = await freshApiBase();
    // A framework's first render inserts an element and replaces it at once by another.
    const first = insert(apiBase, (created) => (created.accessToken = customer.token));
    first.remove();
    const replacement = await mount({ customer, apiBase });
    await until('credited', () => text(replacement).includes('100 Credits wurden gutgeschrieben'));
    expect(dialogOf(replacement).open).to.equal(true);
    await first.updateComplete;
    expect(dialogOf(first).open, 'the removed element opened nothing').to.equal(false);
    expect(unhandled).to.deep.equal([]);
  });

  it('back from a payment method, an element removed while confirming leaves the confirmation to its replacement', async () => {
    const customer = await newCustomer();
    const session = await paidSession(customer.token, 'standard');
    history.replaceState(null, '', `${location.pathname}?credit_topup_session=${session.id}`);
    const apiBase = await freshApiBase();
    // Its token never comes: it stays at "confirming" until it is removed.
    const first = insert(apiBase, (created) => (created.getAccessToken = () => new Promise(() => {})));
    await until(
      'confirming',
      () => first.hasUpdated && dialogOf(first).open && text(first).includes('Zahlung wird bestätigt'),
    );
    first.remove();
    const replacement = await mount({ customer, apiBase });
    await until('credited', () => text(replacement).includes('100 Credits wurden gutgeschrieben'));
    expect(dialogOf(replacement).open).to.equal(true);
  });
});
