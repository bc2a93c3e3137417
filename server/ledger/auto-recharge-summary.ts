// The automatic top-up's state as the database reports it (credit_topup_auto_recharge_state in
// 0015_automatic_topup.sql): in a balance's JSON, in the member balance view's two columns, and in every
// balance notification. Read in one place, so that a state the code does not know (a newer database)
// is dropped rather than passed on to the element as something it cannot show.

import type { AutoRechargeState, AutoRechargeSummary } from '../../contract/credit-topup-api.ts';

const STATES: ReadonlySet<string> = new Set<AutoRechargeState>([
  'off',
  'on',
  'charging',
  'retrying',
  'needs_confirmation',
  'capped',
  'disabled',
]);

/** `{ state, reason }` from the database, or undefined when absent or not understood. */
export function parseAutoRechargeSummary(state: unknown, reason: unknown): AutoRechargeSummary | undefined {
  if (typeof state !== 'string' || !STATES.has(state)) return undefined;
  return { state: state as AutoRechargeState, reason: typeof reason === 'string' ? reason : null };
}

/** The same, from the `auto_recharge` object of a balance's JSON or a notification. */
export function autoRechargeSummaryOf(value: unknown): AutoRechargeSummary | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const summary = value as Record<string, unknown>;
  return parseAutoRechargeSummary(summary.state, summary.reason);
}
