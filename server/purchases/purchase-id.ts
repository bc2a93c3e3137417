// The id of a purchase, decided by the server before anything is written, so that the Checkout Session
// can name it in its metadata while the purchase is being recorded. With an Idempotency-Key the id is
// derived from (user, key): concurrent requests with one key name the same purchase, whichever of them
// records it. Web Crypto (crypto.subtle), so that it runs on Node and Deno alike.

const encoder = new TextEncoder();

export async function purchaseIdFor(userId: string, idempotencyKey: string | null): Promise<string> {
  if (idempotencyKey === null) return crypto.randomUUID();
  // Neither a user id (a UUID) nor a key (visible ASCII) holds a line break: the input is unambiguous.
  const digest = await crypto.subtle.digest(
    'SHA-256',
    encoder.encode(`credit-topup purchase\n${userId}\n${idempotencyKey}`),
  );
  const bytes = new Uint8Array(digest, 0, 16);
  // A UUID of version 8 (RFC 9562: custom, here from SHA-256) with the RFC's variant bits.
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
