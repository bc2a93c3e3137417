-- Receipt and invoice links from Stripe's own events (charge.succeeded, invoice.finalized, invoice.paid)
-- instead of reading Stripe on every checkout.session.completed. Those events name the purchase through
-- the metadata our session put on the payment intent (copied onto its charge) and on the invoice, and
-- may arrive before the session's completion, so the purchase is found by its id, or else by the payment
-- intent recorded at fulfilment, never by the session.
-- The rule stays 0009's: what is recorded is never replaced, so duplicate and concurrent deliveries leave
-- the first answer, and `updated_at` moves only for the call that added something.

create or replace function public.credit_topup_record_documents_of_purchase(
  p_purchase_id uuid default null,
  p_payment_intent_id text default null,
  p_receipt_url text default null,
  p_stripe_invoice_id text default null,
  p_invoice_number text default null,
  p_invoice_url text default null,
  p_invoice_pdf_url text default null
) returns jsonb
  language plpgsql security definer set search_path = public
  as $fn$
  declare
    v_purchase credit_purchases%rowtype;
    v_after credit_purchases%rowtype;
  begin
    -- The row lock serialises concurrent deliveries: each sees what the one before it recorded.
    v_purchase := credit_topup_lock_purchase_for_charge(p_purchase_id, p_payment_intent_id);
    if v_purchase.id is null then
      return jsonb_build_object('ok', false, 'code', 'unknown_purchase');
    end if;
    -- A charge of another payment that names this purchase is not this purchase's receipt.
    if p_payment_intent_id is not null and v_purchase.stripe_payment_intent_id is not null
       and v_purchase.stripe_payment_intent_id <> p_payment_intent_id then
      return jsonb_build_object('ok', false, 'code', 'payment_intent_mismatch',
        'purchase', credit_topup_purchase_json(v_purchase));
    end if;
    update credit_purchases
       set receipt_url = coalesce(receipt_url, p_receipt_url),
           stripe_invoice_id = coalesce(stripe_invoice_id, p_stripe_invoice_id),
           invoice_number = coalesce(invoice_number, p_invoice_number),
           invoice_url = coalesce(invoice_url, p_invoice_url),
           invoice_pdf_url = coalesce(invoice_pdf_url, p_invoice_pdf_url)
     where id = v_purchase.id
    returning * into v_after;
    if v_after is distinct from v_purchase then
      update credit_purchases set updated_at = now() where id = v_purchase.id returning * into v_after;
    end if;
    return jsonb_build_object('ok', true, 'recorded', v_after is distinct from v_purchase,
      'purchase', credit_topup_purchase_json(v_after));
  end
  $fn$;

-- Only the service role may call it (Supabase's default privileges grant new functions to anon and
-- authenticated).
revoke all on function public.credit_topup_record_documents_of_purchase(uuid, text, text, text, text, text, text)
  from public, anon, authenticated;
grant execute on function public.credit_topup_record_documents_of_purchase(uuid, text, text, text, text, text, text)
  to service_role;
