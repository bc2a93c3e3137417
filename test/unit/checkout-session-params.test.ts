import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findCreditPackage } from '../../credit-packages.ts';
import type { SellingSettings } from '../../server/config.ts';
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
const consumers: SellingSettings = {
  sellTo: 'consumers',
  vat: 'included',
  legal: { termsUrl: null, privacyUrl: null, withdrawalPolicyUrl: null },
  invoiceFooter: null,
};
const options = {
  returnUrl: 'https://portal.example.test/kosten?tab=credits#top',
  invoiceCreation: false,
  allowPromotionCodes: false,
  automaticTax: false,
  adaptivePricing: false,
  selling: consumers,
};
const customerId = 'cus_Tenant0000000001';

test('an embedded session priced by the server, with our ids on the session and its payment intent', () => {
  assert.ok(standard);
  const params = checkoutSessionParams({
    purchase,
    creditPackage: standard,
    priceId: null,
    customerId,
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
        // Said on the price, so that turning on Stripe Tax never changes the amount the buyer was shown.
        tax_behavior: 'inclusive',
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
    customerId,
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

test("consumers: the tenant's customer, the terms checkbox, the obligation to pay beside the button, the waiver repeated, an invoice naming the package", () => {
  assert.ok(standard);
  const selling: SellingSettings = {
    ...consumers,
    legal: {
      termsUrl: 'https://portal.example.test/agb',
      privacyUrl: 'https://portal.example.test/datenschutz',
      withdrawalPolicyUrl: 'https://portal.example.test/widerruf',
    },
    invoiceFooter: 'Muster GmbH, Musterstr. 1, 10115 Berlin, USt-IdNr. DE123456789',
  };
  const params = checkoutSessionParams({
    purchase,
    creditPackage: standard,
    priceId: null,
    customerId,
    locale: 'de',
    options: { ...options, invoiceCreation: true, selling },
    nowSeconds: 0,
  });
  assert.equal(params.customer, customerId);
  assert.deepEqual(params.consent_collection, { terms_of_service: 'required' });
  const text = params.custom_text!;
  const submit = (text.submit as { message: string }).message;
  const afterSubmit = (text.after_submit as { message: string }).message;
  const terms = (text.terms_of_service_acceptance as { message: string }).message;
  assert.match(submit, /zahlungspflichtig/);
  assert.match(submit, /\[Widerrufsbelehrung\]\(https:\/\/portal\.example\.test\/widerruf\)/);
  assert.match(submit, /\[Datenschutzerklärung\]\(https:\/\/portal\.example\.test\/datenschutz\)/);
  assert.match(afterSubmit, /ausdrücklich zugestimmt.*Widerrufsrecht verlieren/s);
  assert.match(terms, /\[Allgemeinen Geschäftsbedingungen\]\(https:\/\/portal\.example\.test\/agb\)/);
  for (const message of [submit, afterSubmit, terms]) assert.ok(message.length <= 1200, 'Stripe takes 1200');
  assert.equal(params.invoice_creation?.enabled, true);
  assert.equal(params.invoice_creation?.invoice_data?.description, 'Guthaben: 100 Credits (Paket Standard)');
  assert.equal(params.invoice_creation?.invoice_data?.footer, selling.invoiceFooter);
  assert.equal(params.tax_id_collection, undefined, 'consumers have no VAT ID to enter');
  assert.equal(params.billing_address_collection, undefined);
  assert.equal(params.customer_update, undefined);

  const english = checkoutSessionParams({
    purchase,
    creditPackage: standard,
    priceId: null,
    customerId,
    locale: 'en',
    options: { ...options, invoiceCreation: true, selling },
    nowSeconds: 0,
  });
  assert.match((english.custom_text!.submit as { message: string }).message, /obligation to pay/);
  assert.equal(
    english.invoice_creation?.invoice_data?.description,
    'Prepaid credit: 100 credits (Standard package)',
  );
  // Without a terms URL Stripe shows no terms checkbox and no words for it.
  const withoutTerms = checkoutSessionParams({
    purchase,
    creditPackage: standard,
    priceId: null,
    customerId,
    locale: 'de',
    options,
    nowSeconds: 0,
  });
  assert.equal(withoutTerms.consent_collection, undefined);
  assert.equal(withoutTerms.custom_text?.terms_of_service_acceptance, undefined);
});

test('businesses: a VAT ID may be entered, the billing address is required and kept on the customer; net prices are exclusive of VAT', () => {
  assert.ok(standard);
  const params = checkoutSessionParams({
    purchase,
    creditPackage: standard,
    priceId: null,
    customerId,
    locale: 'de',
    options: {
      ...options,
      automaticTax: true,
      selling: { ...consumers, sellTo: 'businesses', vat: 'added' },
    },
    nowSeconds: 0,
  });
  assert.deepEqual(params.tax_id_collection, { enabled: true });
  assert.equal(params.billing_address_collection, 'required');
  assert.deepEqual(params.customer_update, { name: 'auto', address: 'auto' });
  assert.deepEqual(params.automatic_tax, { enabled: true });
  assert.equal(params.line_items?.[0]?.price_data?.tax_behavior, 'exclusive');
  assert.doesNotMatch((params.custom_text!.after_submit as { message: string }).message, /Widerrufsrecht/);
});
