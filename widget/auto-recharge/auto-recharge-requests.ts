// The automatic top-up's typed calls (the shapes are the HTTP contract's). They live with the views that
// make them, not in ../api-client.ts: every call there ships in the element's first load, and these are
// needed only once the view or the confirmation is opened.

import type {
  AutoRechargeConfirmationResponse,
  AutoRechargeResponse,
  CheckoutLocale,
  CreateCheckoutSessionResponse,
  CreateSetupSessionRequest,
  SaveAutoRechargeRequest,
  SavePaymentMethodRequest,
} from '../../contract/credit-topup-api.ts';
import type { ApiClient } from '../api-client.ts';

/** GET /v1/auto-recharge: the tenant's settings, card, state, this month's use and the last charge. */
export const autoRechargeOf = (client: ApiClient) =>
  client.call<AutoRechargeResponse>('GET', '/v1/auto-recharge', true);

/** PUT /v1/auto-recharge (owners and admins). */
export const saveAutoRecharge = (client: ApiClient, settings: SaveAutoRechargeRequest) =>
  client.call<AutoRechargeResponse>('PUT', '/v1/auto-recharge', true, settings);

/** POST /v1/auto-recharge/setup-session: an embedded Checkout in setup mode that saves a card. */
export const createSetupSession = (client: ApiClient, locale: CheckoutLocale) =>
  client.call<CreateCheckoutSessionResponse>('POST', '/v1/auto-recharge/setup-session', true, {
    locale,
  } satisfies CreateSetupSessionRequest);

/** POST /v1/auto-recharge/payment-method: records the card a completed setup session saved (idempotent). */
export const saveCardOfSetupSession = (client: ApiClient, setupSessionId: string) =>
  client.call<AutoRechargeResponse>('POST', '/v1/auto-recharge/payment-method', true, {
    setup_session_id: setupSessionId,
  } satisfies SavePaymentMethodRequest);

/** POST /v1/auto-recharge/confirmation: the payment that waits for the customer (409 nothing_to_confirm). */
export const autoRechargeConfirmation = (client: ApiClient) =>
  client.call<AutoRechargeConfirmationResponse>('POST', '/v1/auto-recharge/confirmation', true, {});
