// Supabase-shaped access tokens for tests, signed for real with jose.

import { SignJWT } from 'jose';

export const TEST_JWT_SECRET = 'test-jwt-secret-with-at-least-32-characters!';

export function accessToken(
  userId: string,
  options: { secret?: string; audience?: string; expiresInSeconds?: number; notBeforeSeconds?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ role: 'authenticated', email: `${userId}@example.test` })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setAudience(options.audience ?? 'authenticated')
    .setIssuer('https://project.supabase.co/auth/v1')
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInSeconds ?? 3600));
  if (options.notBeforeSeconds !== undefined) jwt.setNotBefore(now + options.notBeforeSeconds);
  return jwt.sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}
