// What `npm run build` ships: the element's first load within its budget, the dialog as a chunk loaded
// later, type declarations, and a custom-elements.json that editors and frameworks read.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SIZE_BUDGET_BYTES, shippedJavaScript } from '../../scripts/size.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const inRoot = (file: string) => fileURLToPath(new URL(file, new URL('../../', import.meta.url)));

interface ManifestElement {
  tagName: string;
  attributes: { name: string }[];
  members: { name: string }[];
  events: { name: string }[];
  cssParts: { name: string }[];
  cssProperties: { name: string }[];
  slots: { name: string }[];
}

describe('the built package', () => {
  before(() => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'pipe' });
  });

  test('the first load stays within 12 KB min+gzip; the dialog comes in a chunk of its own', async () => {
    const { files, firstLoad, later } = await shippedJavaScript();
    assert.ok(firstLoad <= SIZE_BUDGET_BYTES, `first load ${firstLoad} B > ${SIZE_BUDGET_BYTES} B`);
    assert.deepEqual(
      files.filter((file) => file.firstLoad).map((file) => file.file),
      ['dist/credit-topup.js'],
      'one request before the first paint',
    );
    assert.ok(later > 0, 'the purchase dialog is loaded later');
    const entry = await readFile(inRoot('dist/credit-topup.js'), 'utf8');
    assert.ok(!entry.includes('createEmbeddedCheckoutPage'), "Stripe's code is not in the first load");
  });

  test('npm run size measures the first load and leaves what npm run build made in place', () => {
    const output = execFileSync('npm', ['run', 'size', '--silent'], { cwd: root, encoding: 'utf8' });
    assert.match(output, /first load: \d+ B min\+gzip .* within the budget/);
    assert.ok(existsSync(inRoot('dist/types/widget/credit-topup.d.ts')), 'dist/types survives npm run size');
    assert.ok(existsSync(inRoot('dist/custom-elements.json')), 'dist/custom-elements.json survives too');
  });

  test('package.json points at a custom-elements.json that describes the public API, and at types', async () => {
    const pkg = JSON.parse(await readFile(inRoot('package.json'), 'utf8')) as {
      customElements: string;
      types: string;
    };
    assert.ok(existsSync(inRoot(pkg.types)), pkg.types);
    const manifest = JSON.parse(await readFile(inRoot(pkg.customElements), 'utf8')) as {
      modules: { path: string; declarations: (ManifestElement & { customElement?: boolean })[] }[];
    };
    const [module] = manifest.modules;
    assert.equal(module?.path, 'dist/credit-topup.js');
    const element = module?.declarations.find((declaration) => declaration.customElement);
    assert.equal(element?.tagName, 'credit-topup');
    const names = (list: { name: string }[] | undefined) => (list ?? []).map((item) => item.name).sort();
    assert.deepEqual(names(element?.events), [
      'credit-topup-auto-recharge',
      'credit-topup-balance',
      'credit-topup-completed',
      'credit-topup-error',
      'credit-topup-low-balance',
    ]);
    assert.deepEqual(names(element?.attributes), [
      'api-base',
      'checkout',
      'locale',
      'low-balance-threshold',
      'privacy-url',
      'publishable-key',
      'recommended',
      'terms-url',
      'withdrawal-policy-url',
    ]);
    assert.deepEqual(names(element?.members), [
      'accessToken',
      'apiBase',
      'checkout',
      'getAccessToken',
      'locale',
      'lowBalanceThreshold',
      'privacyUrl',
      'publishableKey',
      'recommended',
      'refresh',
      'supabase',
      'termsUrl',
      'withdrawalPolicyUrl',
    ]);
    assert.deepEqual(names(element?.cssParts), [
      'auto-recharge-banner',
      'auto-recharge-button',
      'balance',
      'button',
      'close',
      'confirm-button',
      'dialog',
      'error',
      'history-button',
      'low-balance',
      'package',
      'recommended',
      'retry',
    ]);
    assert.ok(names(element?.cssProperties).includes('--credit-topup-accent'));
    assert.equal(names(element?.cssProperties).length, 9);
    assert.deepEqual(names(element?.slots), ['checkout']);
  });
});
