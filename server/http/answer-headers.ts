// The headers of every answer, kept as one plain object per request and handed to the Response as it is
// made. On Node, @hono/node-server writes such an object straight to the socket; setting the same
// headers through a `Headers` object after the Response exists (as hono/secure-headers, c.header() and
// a post-response middleware do) built web Headers, sorted them and copied them again: about a tenth
// of a balance request's CPU.

import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './app-env.ts';

/** What hono/secure-headers sent by default (CORP relaxed: the element is embedded on other origins). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cross-origin-resource-policy': 'cross-origin',
  'cross-origin-opener-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
});

/** Starts the request's answer headers: the security headers and the request id. */
export function startAnswerHeaders(c: Context<AppEnv>, requestId: string): void {
  c.set('answerHeaders', { ...SECURITY_HEADERS, 'x-request-id': requestId });
  c.set('startedAt', performance.now());
}

/** Sets (or appends to, comma-separated) one header of the answer this request will get. */
export function setAnswerHeader(
  c: Context<AppEnv>,
  name: string,
  value: string,
  options: { append?: boolean } = {},
): void {
  const headers = c.get('answerHeaders');
  // Used by a middleware in front of some other app (the demo's own routes): Hono's way then.
  if (!headers) {
    c.header(name, value, options);
    return;
  }
  const key = name.toLowerCase();
  const existing = headers[key];
  headers[key] = options.append && existing ? `${existing}, ${value}` : value;
}

/** Milliseconds since the request came in (the `app` entry of Server-Timing). */
export function elapsedMs(c: Context<AppEnv>): number {
  const startedAt = c.get('startedAt');
  return startedAt === undefined ? 0 : performance.now() - startedAt;
}

/** The JSON answer, with every header set for this request and the app's time so far. */
export function jsonAnswer(
  c: Context<AppEnv>,
  body: unknown,
  status: ContentfulStatusCode = 200,
  extraHeaders?: Record<string, string>,
): Response {
  // Made outside the app's first middleware (never in the app itself): the security headers still go out.
  const headers = c.get('answerHeaders') ?? { ...SECURITY_HEADERS };
  if (extraHeaders) {
    for (const [name, value] of Object.entries(extraHeaders)) headers[name.toLowerCase()] = value;
  }
  headers['content-type'] = 'application/json';
  headers['server-timing'] = serverTiming(c, headers);
  c.set('answeredWithHeaders', true);
  return new Response(JSON.stringify(body), { status, headers });
}

/**
 * For an answer made some other way (a CORS preflight, a middleware's own Response): its headers
 * completed from the request's answer headers, without overriding what it set itself.
 */
export function completeAnswerHeaders(c: Context<AppEnv>, response: Response): void {
  const headers = c.get('answerHeaders');
  for (const [name, value] of Object.entries(headers)) {
    if (name !== 'server-timing' && !response.headers.has(name)) response.headers.set(name, value);
  }
  response.headers.set('server-timing', serverTiming(c, headers));
}

/** Server-Timing: the app's time so far first, then what the request measured itself (stripe). */
function serverTiming(c: Context<AppEnv>, headers: Record<string, string>): string {
  const timing = `app;dur=${elapsedMs(c).toFixed(2)}`;
  return headers['server-timing'] ? `${timing}, ${headers['server-timing']}` : timing;
}
