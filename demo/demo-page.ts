// The demo page: signs in as the demo user through the demo-only session endpoint, hands the element a
// token getter, and shows what the portal's cost dashboard would: spend actions and the history.

import { findCreditPackage } from '../credit-packages.ts';
import '../widget/credit-topup.ts';
import type { CreditTopup } from '../widget/credit-topup.ts';
import { formatMoney, type Locale } from '../widget/i18n.ts';

const TEXT = {
  de: {
    nav: 'Kosten',
    title: 'Kosten & Credits',
    signedInAs: 'Angemeldet als',
    language: 'Sprache',
    lead:
      'KI-Aktionen, PDF-Extraktion, Fax, Briefe und Bank-Sync verbrauchen Credits. ' +
      'Hier laden Sie sie auf.',
    credits: 'Credits',
    spend: 'Credits verbrauchen',
    spendLead: 'Zum Ausprobieren: Aktionen des Portals, die Credits kosten.',
    spendPdf: 'PDF extrahieren (1 Credit)',
    spendFax: 'Fax senden (5 Credits)',
    spendAi: 'Armstrong-Aktion (10 Credits)',
    spent: (credits: number, balance: number) => `${credits} Credits verbraucht, Stand ${balance}.`,
    insufficient: 'Nicht genug Credits – bitte aufladen.',
    purchases: 'Käufe',
    ledger: 'Buchungen',
    date: 'Datum',
    package: 'Paket',
    amount: 'Betrag',
    status: 'Status',
    actions: 'Aktionen',
    entry: 'Buchung',
    creditsColumn: 'Credits',
    refund: 'Erstatten (Sandbox)',
    none: 'Noch keine Einträge.',
    statuses: {
      pending: 'offen',
      credited: 'gutgeschrieben',
      failed: 'fehlgeschlagen',
      expired: 'abgelaufen',
      refunded: 'erstattet',
      partially_refunded: 'teilweise erstattet',
      disputed: 'angefochten',
    } as Record<string, string>,
    kinds: {
      stripe_checkout: 'Kauf',
      stripe_reversal: 'Erstattung/Rückbuchung',
      stripe_reversal_restored: 'Rückbuchung aufgehoben',
      demo_ai_action: 'Verbrauch',
    } as Record<string, string>,
  },
  en: {
    nav: 'Costs',
    title: 'Costs & credits',
    signedInAs: 'Signed in as',
    language: 'Language',
    lead: 'AI actions, PDF extraction, fax, letters and bank sync use credits. Top them up here.',
    credits: 'Credits',
    spend: 'Spend credits',
    spendLead: 'To try it: portal actions that cost credits.',
    spendPdf: 'Extract a PDF (1 credit)',
    spendFax: 'Send a fax (5 credits)',
    spendAi: 'Armstrong action (10 credits)',
    spent: (credits: number, balance: number) => `${credits} credits spent, balance ${balance}.`,
    insufficient: 'Not enough credits – please top up.',
    purchases: 'Purchases',
    ledger: 'Ledger',
    date: 'Date',
    package: 'Package',
    amount: 'Amount',
    status: 'Status',
    actions: 'Actions',
    entry: 'Entry',
    creditsColumn: 'Credits',
    refund: 'Refund (sandbox)',
    none: 'Nothing yet.',
    statuses: {
      pending: 'pending',
      credited: 'credited',
      failed: 'failed',
      expired: 'expired',
      refunded: 'refunded',
      partially_refunded: 'partially refunded',
      disputed: 'disputed',
    } as Record<string, string>,
    kinds: {
      stripe_checkout: 'Purchase',
      stripe_reversal: 'Refund/chargeback',
      stripe_reversal_restored: 'Chargeback reversed',
      demo_ai_action: 'Usage',
    } as Record<string, string>,
  },
};

interface Session {
  access_token: string;
  expires_at: number;
  email: string;
  stripe_sandbox: boolean;
}

const topup = document.querySelector<CreditTopup>('#topup')!;
// ?checkout=hosted tries the fallback for pages whose CSP forbids Stripe's frames: Stripe's page in a new tab.
if (new URL(location.href).searchParams.get('checkout') === 'hosted') topup.checkout = 'hosted';
const languageSelect = document.querySelector<HTMLSelectElement>('#language')!;
let locale: Locale = (localStorage.getItem('demo-locale') as Locale) || 'de';
let session: Session | null = null;

async function token(): Promise<string> {
  // Like a Supabase client: a new access token shortly before the old one expires.
  if (!session || session.expires_at - Date.now() / 1000 < 60) {
    session = (await (await fetch('/demo-api/session', { method: 'POST' })).json()) as Session;
  }
  return session.access_token;
}

async function api<T>(path: string, init: RequestInit = {}): Promise<{ ok: boolean; body: T }> {
  const response = await fetch(path, {
    ...init,
    headers: {
      Authorization: `Bearer ${await token()}`,
      'Content-Type': 'application/json',
      ...init.headers,
    },
  });
  return { ok: response.ok, body: (await response.json()) as T };
}

function translatePage() {
  const t = TEXT[locale];
  document.documentElement.lang = locale;
  for (const element of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const value = t[element.dataset.i18n as keyof typeof t];
    if (typeof value === 'string') element.textContent = value;
  }
  document.querySelector('#user')!.textContent = `${t.signedInAs} ${session?.email ?? ''}`;
  topup.locale = locale;
  languageSelect.value = locale;
}

const dateFormat = () =>
  new Intl.DateTimeFormat(locale === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' });

function cell(text: string) {
  return Object.assign(document.createElement('td'), { textContent: text });
}

async function loadHistory() {
  const t = TEXT[locale];
  const { ok, body } = await api<{
    purchases: {
      packageId: string;
      credits: number;
      amountCents: number;
      currency: string;
      status: string;
      createdAt: string;
      stripeCheckoutSessionId: string | null;
      creditedCredits: number;
      clawedBackCredits: number;
    }[];
    ledger: { kind: string; amount: number; ref_type: string | null; created_at: string }[];
  }>('/demo-api/history');
  if (!ok) return;
  const purchases = document.querySelector('#purchases tbody')!;
  purchases.replaceChildren(
    ...body.purchases.map((purchase) => {
      const row = document.createElement('tr');
      row.dataset.status = purchase.status;
      row.append(
        cell(dateFormat().format(new Date(purchase.createdAt))),
        // No break inside "100 Credits": a narrow screen wraps between phrases only.
        cell(
          `${findCreditPackage(purchase.packageId)?.name ?? purchase.packageId} · ${purchase.credits}\u00a0Credits`,
        ),
        cell(formatMoney(locale, purchase.amountCents, purchase.currency)),
        cell(t.statuses[purchase.status] ?? purchase.status),
      );
      const actions = document.createElement('td');
      if (
        session?.stripe_sandbox &&
        purchase.creditedCredits > purchase.clawedBackCredits &&
        purchase.status !== 'refunded'
      ) {
        const refund = Object.assign(document.createElement('button'), {
          type: 'button',
          textContent: t.refund,
        });
        refund.addEventListener('click', async () => {
          refund.disabled = true;
          await api('/demo-api/refund', {
            method: 'POST',
            body: JSON.stringify({ session_id: purchase.stripeCheckoutSessionId }),
          });
          // The refund reaches the ledger through Stripe's webhook; look again shortly.
          setTimeout(() => void refresh(), 1500);
        });
        actions.append(refund);
      }
      row.append(actions);
      return row;
    }),
  );
  if (!body.purchases.length)
    purchases.replaceChildren(
      Object.assign(document.createElement('tr'), { innerHTML: `<td colspan="5">${t.none}</td>` }),
    );
  const ledger = document.querySelector('#ledger tbody')!;
  ledger.replaceChildren(
    ...body.ledger.map((entry) => {
      const row = document.createElement('tr');
      row.append(
        cell(dateFormat().format(new Date(entry.created_at))),
        cell(t.kinds[entry.ref_type ?? ''] ?? entry.ref_type ?? entry.kind),
        cell(entry.amount > 0 ? `+${entry.amount}` : String(entry.amount)),
      );
      return row;
    }),
  );
  if (!body.ledger.length)
    ledger.replaceChildren(
      Object.assign(document.createElement('tr'), { innerHTML: `<td colspan="3">${t.none}</td>` }),
    );
}

async function refresh() {
  await Promise.all([topup.refresh(), loadHistory()]);
}

for (const button of document.querySelectorAll<HTMLButtonElement>('[data-spend]')) {
  button.addEventListener('click', async () => {
    const credits = Number(button.dataset.spend);
    const { ok, body } = await api<{ new_balance?: number }>('/demo-api/spend', {
      method: 'POST',
      body: JSON.stringify({ credits }),
    });
    document.querySelector('#spend-status')!.textContent = ok
      ? TEXT[locale].spent(credits, body.new_balance ?? 0)
      : TEXT[locale].insufficient;
    await refresh();
  });
}

languageSelect.addEventListener('change', () => {
  locale = languageSelect.value as Locale;
  localStorage.setItem('demo-locale', locale);
  translatePage();
  void loadHistory();
});
topup.addEventListener('credit-topup-completed', () => void loadHistory());
topup.addEventListener('credit-topup-balance', () => void loadHistory());

await token();
translatePage();
topup.apiBase = location.origin;
topup.getAccessToken = token;
void loadHistory();
