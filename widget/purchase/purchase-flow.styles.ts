import { css } from 'lit';

// The styles of the dialog's views (purchase-flow.ts), loaded with their code after the first paint; the
// element's own sheet (../credit-topup.styles.ts) has the card, the dialog frame, buttons and theming.
// - The packages: on a phone one below the other, the price on the right; from 600 px side by side like
//   a pricing table, the price under the name. The price is the largest text; the recommended package
//   has an accent border and a badge on its edge.
// - The checkout names what is bought above Stripe's form, each part unbroken.
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
    grid-area: 1 / 2 / span 2;
    align-self: center;
    font-size: 1.375rem;
    font-weight: 700;
  }
  .credits,
  .note,
  small {
    font-size: 0.875rem;
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
  @media (min-width: 600px) {
    ul {
      grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr));
    }
    .package {
      grid-template-columns: 1fr;
      gap: 4px;
      padding: 20px 16px 16px;
    }
    .price {
      grid-area: auto;
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
