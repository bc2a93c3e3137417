import { css } from 'lit';

// The styles of the dialog's views (purchase-flow.ts), loaded with their code after the first paint; the
// element's own sheet (../credit-topup.styles.ts) has the card, the dialog frame, buttons and theming.
// - The packages: on a phone one below the other, the price on the right; from 600 px side by side like
//   a pricing table, the price under the name. The price is the largest text; the recommended package
//   has an accent border and a badge on its edge.
// - The checkout names what is bought above Stripe's form, each part unbroken.
// - Every price has its VAT note right under it, small and muted (in the checkout's summary, beside it).
// - Selling to consumers, the waiver's checkbox sits under the packages, its text beside it; the legal
//   links close the view, small, on one line where they fit.
// - An outcome: a tick (or an exclamation mark in the error colour), what happened, the new balance large, and the way out below.
export const purchaseFlowStyles = css`
  .summary {
    margin: 0 0 12px;
    font-size: 1rem;
  }
  .summary span {
    white-space: nowrap;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    justify-content: space-between;
    margin-top: 16px;
  }
  .package {
    position: relative;
    width: 100%;
    height: 100%;
    display: grid;
    grid-template-columns: 1fr auto;
    align-content: start;
    gap: 2px 12px;
    text-align: start;
    padding: 14px 16px;
  }
  .package:hover,
  .package:focus-visible,
  [part~='recommended'] {
    border-color: var(--_accent);
  }
  [part~='recommended'] {
    box-shadow: inset 0 0 0 1px var(--_accent);
  }
  .name {
    font-weight: 600;
  }
  .price {
    grid-area: 1 / 2;
    align-self: end;
    text-align: end;
    font-size: 1.375rem;
    font-weight: 700;
  }
  .package .vat {
    grid-area: 2 / 2;
    text-align: end;
  }
  .vat {
    white-space: nowrap;
    font-weight: 400;
  }
  .credits,
  .note,
  .waiver,
  small {
    font-size: 0.875rem;
  }
  .legal {
    font-size: 0.8125rem;
  }
  .credits {
    color: var(--_muted);
  }
  .badge {
    position: absolute;
    top: 0;
    inset-inline-start: 12px;
    translate: 0 -50%;
    padding: 2px 8px;
    border-radius: 1em;
    background: var(--_accent);
    color: var(--_on-accent);
    font-size: 0.75rem;
    font-weight: 600;
  }
  .note {
    margin-top: 12px;
  }
  .waiver {
    margin-top: 16px;
  }
  .waiver label {
    display: flex;
    align-items: start;
    gap: 10px;
  }
  .waiver input {
    flex: none;
    width: 20px;
    height: 20px;
    margin: 1px 0 0;
    accent-color: var(--_accent);
  }
  .waiver [part='error'] {
    margin: 8px 0 0 30px;
  }
  .legal {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 16px;
    margin: 16px 0 0;
  }
  .legal a,
  .documents a {
    color: inherit;
    white-space: nowrap;
  }
  .documents {
    display: flex;
    gap: 16px;
    justify-content: center;
    margin: 4px 0 0;
  }
  @media (min-width: 600px) {
    ul {
      grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr));
    }
    .package {
      grid-template-columns: 1fr;
      gap: 4px;
      padding: 20px 16px 16px;
    }
    .price,
    .package .vat {
      grid-area: auto;
      text-align: start;
    }
    .price {
      font-size: 1.5rem;
    }
    li .skeleton {
      height: 118px;
    }
  }
  .status {
    display: flex;
    align-items: center;
    gap: 10px;
    padding: 16px 0;
  }
  .spinner {
    width: 20px;
    height: 20px;
    border: 3px solid #8885;
    border-top-color: var(--_accent);
    border-radius: 50%;
    animation: spin 0.8s linear infinite;
  }
  .done {
    display: grid;
    justify-items: center;
    gap: 8px;
    text-align: center;
    padding-top: 8px;
  }
  .tick {
    display: grid;
    place-items: center;
    width: 48px;
    height: 48px;
    border-radius: 50%;
    background: var(--_accent);
    color: var(--_on-accent);
    font-size: 1.5rem;
    font-weight: 700;
  }
  .tick.failed {
    background: var(--_error);
    color: var(--_background);
  }
  .success {
    font-size: 1.125rem;
    font-weight: 600;
  }
  .new-balance {
    font-size: 2rem;
    font-weight: 700;
  }
  .done > .primary {
    margin-top: 12px;
    min-width: 50%;
  }
  .done .row {
    gap: 12px;
    justify-content: center;
    flex-wrap: wrap;
    margin-top: 12px;
  }
  ::slotted([slot='checkout']) {
    display: block;
    min-height: 360px;
  }
  @keyframes spin {
    to {
      transform: rotate(1turn);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation: none;
    }
  }
`;
