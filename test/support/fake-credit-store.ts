// A CreditStore for the unit tier: answers only what a test gives it, records every call, and fails
// loudly on anything else. The real adapters are tested against PostgreSQL in test/ledger.

import type { CreditStore } from '../../server/ledger/credit-store.ts';

export interface FakeCreditStore extends CreditStore {
  /** Every call, as `method` and its arguments. */
  calls: { method: keyof CreditStore; args: unknown[] }[];
}

export function fakeCreditStore(answers: Partial<CreditStore> = {}): FakeCreditStore {
  const calls: FakeCreditStore['calls'] = [];
  return new Proxy({ calls } as FakeCreditStore, {
    get(_target, property) {
      if (property === 'calls') return calls;
      if (property === 'then') return undefined; // not a promise
      const method = property as keyof CreditStore;
      return (...args: unknown[]) => {
        calls.push({ method, args });
        const answer = answers[method] as ((...args: unknown[]) => unknown) | undefined;
        if (!answer) return Promise.reject(new Error(`the fake store was not told how to answer ${method}`));
        return answer(...args);
      };
    },
  });
}
