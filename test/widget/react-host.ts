// A React 19 host page for the browser tests: the portal's front end is React, and React 19 sets
// properties (not attributes) on custom elements and listens to their events by `on<event-name>`.

import { createElement } from 'react';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';

export interface HostProps {
  apiBase: string;
  token: string;
  locale: 'de' | 'en';
  onBalance: (balance: number) => void;
}

export function renderHost(container: HTMLElement, props: HostProps): Root {
  const root = createRoot(container);
  flushSync(() => root.render(createHost(props)));
  return root;
}

export function rerenderHost(root: Root, props: HostProps) {
  flushSync(() => root.render(createHost(props)));
}

function createHost(props: HostProps) {
  return createElement(
    'section',
    { className: 'kosten-dashboard' },
    createElement('h1', null, 'Kosten'),
    createElement('credit-topup', {
      'api-base': props.apiBase,
      locale: props.locale,
      accessToken: props.token,
      'oncredit-topup-balance': (event: CustomEvent<{ balance: number }>) =>
        props.onBalance(event.detail.balance),
    }),
  );
}
