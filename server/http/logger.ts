// Structured logs, one JSON object per line. Nothing secret is ever passed in on purpose; as a second
// line of defence every string is scrubbed of Stripe keys, webhook secrets, bearer tokens, JWTs and
// card-number-like digit runs before it is written.

export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const SECRET_PATTERNS: [RegExp, string][] = [
  [/\b(sk|rk)_(live|test)_[A-Za-z0-9]+/g, '$1_$2_[redacted]'],
  [/\bwhsec_[A-Za-z0-9+/=]+/g, 'whsec_[redacted]'],
  [/\bcs_(live|test)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+/g, 'cs_$1_[client secret redacted]'],
  // The client secrets of payment and setup intents (automatic top-up's 3-D Secure confirmation).
  [/\b(pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+/g, '$1_[client secret redacted]'],
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[jwt redacted]'],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer [redacted]'],
  [/\b(?:\d[ -]?){12,18}\d\b/g, '[number redacted]'],
];

// One cheap test first: most log strings (paths, ids, codes) hold nothing that could be secret. Its
// digit part is the card pattern's own condition (13 digits, single spaces or dashes between): a
// looser one ("a digit, a dash, a digit") matched every UUID, and each request's id then went through
// every pattern, a sixth of the cost of a request to /healthz.
const MAYBE_SECRET = /sk_|rk_|whsec_|_secret_|eyJ|bearer|(?:\d[ -]?){12}\d/i;

export function redact(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  let result = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

function scrub(value: unknown, depth = 0): unknown {
  // Numbers, booleans and null are written as they are: most fields of a log line are one of those.
  if (typeof value !== 'object' || value === null) return typeof value === 'string' ? redact(value) : value;
  if (value instanceof Error) {
    return {
      name: value.name,
      message: redact(value.message),
      ...(value.cause ? { cause: scrub(value.cause, depth + 1) } : {}),
    };
  }
  if (depth > 4) return '[…]';
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const scrubbed: Record<string, unknown> = {};
  for (const key of Object.keys(value))
    scrubbed[key] = scrub((value as Record<string, unknown>)[key], depth + 1);
  return scrubbed;
}

/**
 * Lines for stdout, written together once per turn of the event loop: writes to a pipe or file are
 * synchronous on Linux, and one write per line showed up as a tenth of the server's time under load.
 */
export function batchedStdout(): (line: string) => void {
  let pending: string[] = [];
  const flush = () => {
    const text = `${pending.join('\n')}\n`;
    pending = [];
    if (typeof process !== 'undefined' && process.stdout?.write) process.stdout.write(text);
    else console.log(text.slice(0, -1));
  };
  return (line) => {
    if (pending.push(line) === 1) setTimeout(flush, 0);
  };
}

/** The time as ISO 8601, formatted once per millisecond however many lines share it. */
let lastMillisecond = 0;
let lastIso = '';
function isoNow(): string {
  const now = Date.now();
  if (now !== lastMillisecond) {
    lastMillisecond = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}

export function createJsonLogger(write: (line: string) => void = batchedStdout()): Logger {
  const log =
    (level: string) =>
    (message: string, fields: LogFields = {}) => {
      // Built field by field: one object per line, no spreads, every string scrubbed on the way.
      const line: LogFields = { time: isoNow(), level, message: redact(message) };
      for (const key in fields) line[key] = scrub(fields[key], 1);
      write(JSON.stringify(line));
    };
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

/** A logger whose every line carries the request's id (and is built only when a line is written). */
export class RequestLogger implements Logger {
  constructor(
    private readonly logger: Logger,
    private readonly requestId: string,
  ) {}
  info(message: string, fields?: LogFields) {
    this.logger.info(message, { request_id: this.requestId, ...fields });
  }
  warn(message: string, fields?: LogFields) {
    this.logger.warn(message, { request_id: this.requestId, ...fields });
  }
  error(message: string, fields?: LogFields) {
    this.logger.error(message, { request_id: this.requestId, ...fields });
  }
}

/** For tests and tools that want no output. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
