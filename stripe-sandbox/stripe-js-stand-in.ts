// A small stand-in for Stripe.js, served by the sandbox and loaded by the element only when
// GET /v1/config says `stripe_mode: "sandbox"`. It offers what the element uses:
// `Stripe(pk).createEmbeddedCheckoutPage({ fetchClientSecret, onComplete })`
// → `{ mount, unmount, destroy }`,
// an iframe of the sandbox's checkout page. Like Stripe.js it allows one embedded Checkout per page (a
// second is refused with Stripe.js's own IntegrationError, "You cannot have multiple Embedded Checkout
// objects.") and refuses to mount inside a shadow root.
// And `stripe.confirmCardPayment(clientSecret, { payment_method })` → Promise of Stripe.js's
// PaymentIntentResult, `{ paymentIntent }` or `{ error }`: it confirms the PaymentIntent with the
// publishable key and client secret (as Stripe.js calls the API, from the page's origin) and, when the
// card asks for it (next_action use_stripe_sdk), shows the sandbox's 3-D Secure challenge in a modal frame
// over the page (in the Stripe object's locale), then reads the intent again: succeeded, or an error
// (payment_intent_authentication_failure, or the card's decline) carrying the payment intent.

export const stripeJsStandInSource = `(() => {
  const script = document.currentScript;
  const origin = script ? new URL(script.src).origin : location.origin;
  let active = null;

  class IntegrationError extends Error {
    constructor(message) { super(message); this.name = 'IntegrationError'; }
  }

  function Stripe(publishableKey, options) {
    if (typeof publishableKey !== 'string' || !publishableKey.startsWith('pk_test_')) {
      throw new IntegrationError('The Stripe sandbox needs a pk_test_ publishable key.');
    }
    const locale = (options && options.locale) || 'auto';
    const api = async (method, path, params) => {
      const body = new URLSearchParams({ key: publishableKey, ...params });
      const response = method === 'GET'
        ? await fetch(origin + path + '?' + body)
        : await fetch(origin + path, { method: 'POST', body });
      return response.json();
    };
    /** The challenge in a modal frame over the page, until the cardholder has answered it. */
    const challenge = (url) => new Promise((resolve) => {
      const overlay = document.createElement('div');
      overlay.setAttribute('data-stripe-sandbox', '3ds');
      overlay.style.cssText = 'position:fixed;inset:0;z-index:2147483647;background:rgba(0,0,0,.5);'
        + 'display:flex;align-items:center;justify-content:center';
      const frame = document.createElement('iframe');
      frame.src = url + '&locale=' + encodeURIComponent(locale === 'auto' ? navigator.language : locale);
      frame.title = locale.startsWith('en') ? '3D Secure authentication' : '3D-Secure-Authentifizierung';
      frame.style.cssText = 'width:min(420px,92vw);height:440px;border:0;border-radius:8px;background:#fff';
      const onMessage = (event) => {
        if (event.source !== frame.contentWindow || event.origin !== origin) return;
        if (!event.data || event.data.type !== 'credit-topup-sandbox:3ds-done') return;
        window.removeEventListener('message', onMessage);
        overlay.remove();
        resolve();
      };
      window.addEventListener('message', onMessage);
      overlay.appendChild(frame);
      document.body.appendChild(overlay);
    });
    return {
      async confirmCardPayment(clientSecret, data, confirmOptions) {
        if (typeof clientSecret !== 'string' || !clientSecret.includes('_secret_')) {
          throw new IntegrationError('Invalid value for confirmCardPayment: clientSecret should be a client secret of the form \${id}_secret_\${secret}.');
        }
        const id = clientSecret.split('_secret_')[0];
        const params = { client_secret: clientSecret };
        const paymentMethod = data && data.payment_method;
        if (typeof paymentMethod === 'string') params.payment_method = paymentMethod;
        const confirmed = await api('POST', '/v1/payment_intents/' + id + '/confirm', params);
        if (confirmed.error) return { error: confirmed.error };
        const action = confirmed.next_action;
        if (confirmed.status !== 'requires_action' || !action || action.type !== 'use_stripe_sdk') {
          return { paymentIntent: confirmed };
        }
        if (confirmOptions && confirmOptions.handleActions === false) return { paymentIntent: confirmed };
        await challenge(action.use_stripe_sdk.stripe_js);
        const paymentIntent = await api('GET', '/v1/payment_intents/' + id, { client_secret: clientSecret });
        if (paymentIntent.error) return { error: paymentIntent.error };
        if (paymentIntent.status === 'requires_payment_method' && paymentIntent.last_payment_error) {
          return { error: { ...paymentIntent.last_payment_error, payment_intent: paymentIntent } };
        }
        return { paymentIntent };
      },
      async createEmbeddedCheckoutPage(checkoutOptions) {
        const { fetchClientSecret, clientSecret, onComplete } = checkoutOptions || {};
        if (active) {
          throw new IntegrationError('You cannot have multiple Embedded Checkout objects.');
        }
        const placeholder = {};
        active = placeholder;
        let secret;
        try {
          secret = clientSecret || (await fetchClientSecret());
        } catch (error) {
          active = null;
          throw error;
        }
        if (active !== placeholder) {
          throw new IntegrationError('This embedded Checkout was destroyed before it loaded.');
        }
        let frame = null;
        let destroyed = false;
        const onMessage = (event) => {
          if (event.origin !== origin || !frame || event.source !== frame.contentWindow) return;
          const data = event.data || {};
          if (data.type === 'credit-topup-sandbox:complete' && typeof onComplete === 'function') onComplete();
          if (data.type === 'credit-topup-sandbox:resize' && typeof data.height === 'number') {
            frame.style.height = Math.max(360, Math.ceil(data.height)) + 'px';
          }
        };
        window.addEventListener('message', onMessage);
        const instance = {
          mount(target) {
            if (destroyed) throw new IntegrationError('This embedded Checkout has been destroyed.');
            const element = typeof target === 'string' ? document.querySelector(target) : target;
            if (!element) {
              throw new IntegrationError(
                'The selector you specified (' + target + ') applies to no DOM elements.',
              );
            }
            if (element.getRootNode() instanceof ShadowRoot) {
              throw new IntegrationError(
                'Elements cannot be mounted in a ShadowRoot. Please mount in the Light DOM.',
              );
            }
            if (frame) throw new IntegrationError('This embedded Checkout is already mounted.');
            frame = document.createElement('iframe');
            frame.src = origin + '/embedded-checkout?client_secret=' + encodeURIComponent(secret)
              + '&locale=' + encodeURIComponent(locale);
            frame.title = 'Secure payment input frame';
            frame.setAttribute('allow', 'payment');
            frame.style.cssText = 'width:100%;height:460px;border:0;display:block;background:transparent';
            element.appendChild(frame);
          },
          unmount() {
            if (frame) frame.remove();
            frame = null;
          },
          destroy() {
            instance.unmount();
            window.removeEventListener('message', onMessage);
            destroyed = true;
            if (active === instance) active = null;
          },
        };
        active = instance;
        return instance;
      },
    };
  }
  window.Stripe = Stripe;
})();
`;
