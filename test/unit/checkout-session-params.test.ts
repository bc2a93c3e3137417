import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findCreditPackage } from '../../credit-packages.ts';
import type { Purchase } from '../../server/ledger/credit-store.ts';
import { checkoutSessionParams } from '../../server/stripe/checkout-session-params.ts';

const standard = findCreditPackage('standard');
const purchase = {
  id: 'a1b2c3d4-0000-4000-8000-000000000001',
  tenantId: 'a1b2c3d4-0000-4000-8000-000000000002',
  userId: 'a1b2c3d4-0000-4000-8000-000000000003',
  currency: 'eur',
  amountCents: 2500,
} as Purchase;
const options = {
  returnUrl: 'https://portal.example.test/kosten?tab=credits#top',
  invoiceCreation: false,
  allowPromotionCodes: false,
  automaticTax: false,
  adaptivePricing: false,
};

test('an embedded session priced by the server, with our ids on the session and its payment intent', () => {
  assert.ok(standard);
  const params = checkoutSessionParams({
    purchase,
    creditPackage: standard,
    priceId: null,
    locale: 'de',
    options,
    nowSeconds: 1_000,
  });
  assert.equal(params.mode, 'payment');
  assert.equal(params.ui_mode, 'embedded_page');
  assert.equal(params.redirect_on_completion, 'if_required');
  assert.deepEqual(params.line_items, [
    {
      quantity: 1,
      price_data: {
        currency: 'eur',
        unit_amount: 2500,
        product_data: { name: '100 Credits (Standard)', metadata: { package_id: 'standard' } },
      },
    },
  ]);
  const metadata = {
    purchase_id: purchase.id,
    tenant_id: purchase.tenantId,
    user_id: purchase.userId,
    package_id: 'standard',
    credits: '100',
  };
  assert.deepEqual(params.metadata, metadata);
  assert.deepEqual(params.payment_intent_data, { metadata });
  assert.equal(params.client_reference_id, purchase.tenantId);
  assert.equal(params.expires_at, 1_000 + 30 * 60, 'the shortest lifetime Stripe allows');
  // Stripe fills in the literal {CHECKOUT_SESSION_ID}: its braces must not be URL-encoded.
  assert.equal(
    params.return_url,
    'https://portal.example.test/kosten?tab=credits&credit_topup_session={CHECKOUT_SESSION_ID}#top',
  );
  assert.equal(params.invoice_creation, undefined);
  // Said explicitly, so the account's dashboard default for Adaptive Pricing never decides.
  assert.deepEqual(params.adaptive_pricing, { enabled: false });
});

test('a synced Price replaces the inline price; invoices, promotion codes, tax and Adaptive Pricing only when configured', () => {
  assert.ok(standard);
  const params = checkoutSessionParams({
    purchase,
    creditPackage: standard,
    priceId: 'price_123',
    locale: 'en',
    options: {
      ...options,
      invoiceCreation: true,
      allowPromotionCodes: true,
      automaticTax: true,
      adaptivePricing: true,
    },
    nowSeconds: 0,
  });
  assert.deepEqual(params.line_items, [{ price: 'price_123', quantity: 1 }]);
  assert.equal(params.locale, 'en');
  assert.equal(params.invoice_creation?.enabled, true);
  assert.equal(params.allow_promotion_codes, true);
  assert.deepEqual(params.automatic_tax, { enabled: true });
  assert.deepEqual(params.adaptive_pricing, { enabled: true });
});
