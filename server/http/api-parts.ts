// Which part of the HTTP interface an instance answers. The Node server and the combined Edge Function
// answer all of it; the portal's plan splits it into two Edge Functions: one for what the browser asks
// (config, packages, balance, checkout sessions, and whatever the element asks later) and one that only
// takes Stripe's deliveries, so that each can be deployed, limited and watched on its own.

export type ApiPart = 'all' | 'browser' | 'stripe-webhook';

export const STRIPE_WEBHOOK_PATH = '/v1/stripe/webhook';
// Both parts answer the platform's health checks.
const HEALTH_PATHS = new Set(['/healthz', '/readyz']);

export function servesPath(part: ApiPart, path: string): boolean {
  if (part === 'all' || HEALTH_PATHS.has(path)) return true;
  return (path === STRIPE_WEBHOOK_PATH) === (part === 'stripe-webhook');
}
