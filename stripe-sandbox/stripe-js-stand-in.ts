// A small stand-in for Stripe.js, served by the sandbox and loaded by the element only when
// GET /v1/config says `stripe_mode: "sandbox"`. It offers what the element uses:
// `Stripe(pk).createEmbeddedCheckoutPage({ fetchClientSecret, onComplete })`
// → `{ mount, unmount, destroy }`,
// an iframe of the sandbox's checkout page. Like Stripe.js it allows one embedded Checkout per page (a
// second is refused with Stripe.js's own IntegrationError, "You cannot have multiple Embedded Checkout
// objects.") and refuses to mount inside a shadow root.

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
    return {
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
