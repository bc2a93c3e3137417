import { css } from 'lit';

// Theming goes through the public --credit-topup-* properties (documented on the element); inside, each
// is read once into a private --_name, so a rule says what it means. Light and dark follow the page's
// color-scheme through light-dark(); there is no animation when motion is reduced. The line breaks here
// are collapsed by the build (widget/build/collapse-template-whitespace.ts). Buttons and labels never
// break inside a phrase (see also the non-breaking spaces in i18n.ts). The dialog's title is focused by
// script only, as the place Tab starts from: it has no ring, which would make it look like a control.
// The dialog's views bring their own styles (purchase/purchase-flow.styles.ts).
export const styles = css`
  :host {
    --_accent: var(--credit-topup-accent, light-dark(#4f46e5, #a5b4fc));
    --_on-accent: var(--credit-topup-on-accent, var(--_background));
    --_background: var(--credit-topup-background, light-dark(#fff, #1f2937));
    --_text: var(--credit-topup-color, light-dark(#1f2937, #f9fafb));
    --_muted: var(--credit-topup-muted, light-dark(#4b5563, #d1d5db));
    --_border: var(--credit-topup-border, light-dark(#d1d5db, #4b5563));
    --_error: var(--credit-topup-error, light-dark(#b91c1c, #fca5a5));
    --_radius: var(--credit-topup-radius, 10px);
    color-scheme: light dark;
    display: block;
    font-family: var(--credit-topup-font, system-ui, sans-serif);
    color: var(--_text);
  }
  .card,
  dialog {
    background: var(--_background);
    color: var(--_text);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  .card {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: 12px;
    padding: 16px;
  }
  p {
    margin: 0;
  }
  .muted,
  small {
    color: var(--_muted);
  }
  .amount {
    font-size: 1.75rem;
    font-weight: 700;
  }
  button,
  .label {
    white-space: nowrap;
  }
  button {
    font: inherit;
    cursor: pointer;
    border-radius: var(--_radius);
    padding: 10px 16px;
    border: 1px solid var(--_border);
    background: none;
    color: inherit;
  }
  .primary {
    background: var(--_accent);
    color: var(--_on-accent);
    border-color: var(--_accent);
    font-weight: 600;
  }
  button:disabled {
    opacity: 0.5;
  }
  :focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
  dialog {
    box-sizing: border-box;
    width: 600px;
    max-width: calc(100% - 24px);
    padding: 20px;
  }
  dialog::backdrop {
    background: #0008;
  }
  header {
    display: flex;
    justify-content: space-between;
    align-items: center;
    gap: 8px;
    margin-bottom: 12px;
  }
  h2 {
    margin: 0;
    font-size: 1.25rem;
  }
  h2:focus {
    outline: none;
  }
  ul {
    list-style: none;
    margin: 16px 0 0;
    padding: 0;
    display: grid;
    gap: 14px;
  }
  .skeleton {
    display: block;
    height: 58px;
    border-radius: var(--_radius);
    background: #8884;
  }
  [part~='auto-recharge-banner'] {
    margin-top: 8px;
    border-color: var(--_accent);
  }
  .card .skeleton {
    width: 5em;
    height: 2rem;
  }
  [part~='error'] {
    color: var(--_error);
    margin: 8px 0;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
  }
`;
