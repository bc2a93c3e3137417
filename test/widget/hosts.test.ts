import { expect } from '@esm-bundle/chai';
import { createClient } from '@supabase/supabase-js';
import type { CreditTopup } from '../../widget/credit-topup.ts';
import { balanceShown, cleanup, env, mount, newCustomer, text, tokenFor, until } from './browser-helpers.ts';

describe('<credit-topup> in host pages', () => {
  afterEach(cleanup);

  it('a React 19 page renders it with a property-set token and hears its events', async () => {
    const { renderHost, rerenderHost } = (await import(
      /* @vite-ignore */ '/__test/react-host.js' as string
    )) as typeof import('./react-host.ts');
    const { apiBase } = await env();
    const customer = await newCustomer();
    const container = document.body.appendChild(document.createElement('div'));
    const balances: number[] = [];
    const props = {
      apiBase,
      token: customer.token,
      locale: 'de' as const,
      onBalance: (balance: number) => balances.push(balance),
    };
    const root = renderHost(container, props);
    try {
      const element = container.querySelector('credit-topup') as CreditTopup;
      expect(element.accessToken, 'set as a property').to.equal(customer.token);
      expect(element.hasAttribute('accesstoken'), 'not as an attribute').to.equal(false);
      expect(await balanceShown(element)).to.equal('100');
      expect(balances).to.deep.equal([100]);
      rerenderHost(root, { ...props, locale: 'en' });
      await until('English', () => text(element).includes('Available credits'));
    } finally {
      root.unmount();
      container.remove();
    }
  });

  it('with a SupabaseClient it reads the session token and follows sign-in and sign-out', async () => {
    const customer = await newCustomer();
    const supabase = createClient(`${location.origin}/__test/supabase`, 'anon-key', {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    });
    const element = await mount({ configure: (created) => (created.supabase = supabase) });
    await until('signed out without a session', () => text(element).includes('Bitte melden Sie sich an'));

    const { error } = await supabase.auth.setSession({
      access_token: customer.token,
      refresh_token: 'refresh-token',
    });
    expect(error).to.equal(null);
    expect(await balanceShown(element)).to.equal('100');

    await supabase.auth.signOut({ scope: 'local' });
    await until('signed out again', () => text(element).includes('Bitte melden Sie sich an'));
  });

  it('with getAccessToken it asks for a fresh token on every request', async () => {
    const customer = await newCustomer();
    let calls = 0;
    const element = await mount({
      configure: (created) => {
        created.getAccessToken = async () => {
          calls++;
          return (await tokenFor(customer.userId)).token;
        };
      },
    });
    expect(await balanceShown(element)).to.equal('100');
    await element.refresh();
    expect(calls).to.equal(2);
  });
});
