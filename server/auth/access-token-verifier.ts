// Verifies Supabase access tokens locally with jose: HS256 with the project's JWT secret, or the
// project's published signing keys (JWKS, cached by jose) for asymmetric keys. Which key verifies a
// token is decided by the configuration, never by the token: an HS256 token is never checked against a
// public key and an RS/ES token never against the secret (algorithm confusion), and `alg: none` is
// never accepted.

import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';

export interface VerifiedUser {
  userId: string;
  /** When the token expires (ms since the epoch): a stream opened with it ends then. */
  expiresAt: number;
}

export interface AccessTokenVerifier {
  /** Resolves with the user, or rejects with InvalidAccessTokenError. */
  verify(token: string): Promise<VerifiedUser>;
}

export class InvalidAccessTokenError extends Error {
  override readonly name = 'InvalidAccessTokenError';
}

export interface AccessTokenVerifierOptions {
  /** SUPABASE_JWT_SECRET: the legacy HS256 secret. */
  jwtSecret?: string | null;
  /** `${SUPABASE_URL}/auth/v1/.well-known/jwks.json` for asymmetric signing keys. */
  jwksUrl?: string | null;
  /** Custom fetch for the JWKS (tests); defaults to jose's. */
  jwks?: JWTVerifyGetKey;
}

const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];
const SUPABASE_AUDIENCE = 'authenticated';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Tokens already verified, until they expire: the same bytes always verify the same way. */
const VERIFIED_CACHE_SIZE = 10_000;

export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  // Imported once: importing the raw secret on every verification cost more than the HMAC itself.
  const secret = options.jwtSecret
    ? crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(options.jwtSecret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['verify'],
      )
    : null;
  const jwks =
    options.jwks ??
    (options.jwksUrl ? createRemoteJWKSet(new URL(options.jwksUrl), { cacheMaxAge: 10 * 60_000 }) : null);
  if (!secret && !jwks) throw new Error('an access token verifier needs a JWT secret or a JWKS URL');
  const verified = new Map<string, { userId: string; expiresAt: number }>();

  const verifyUncached = async (token: string): Promise<VerifiedUser> => {
    let algorithm: string | undefined;
    try {
      algorithm = decodeProtectedHeader(token).alg;
    } catch {
      throw new InvalidAccessTokenError('malformed token');
    }
    const common = {
      audience: SUPABASE_AUDIENCE,
      requiredClaims: ['exp', 'sub'],
      clockTolerance: 5,
    };
    let payload: JWTPayload;
    try {
      if (algorithm === 'HS256' && secret) {
        ({ payload } = await jwtVerify(token, await secret, { ...common, algorithms: ['HS256'] }));
      } else if (algorithm && ASYMMETRIC_ALGORITHMS.includes(algorithm) && jwks) {
        ({ payload } = await jwtVerify(token, jwks, { ...common, algorithms: ASYMMETRIC_ALGORITHMS }));
      } else {
        throw new InvalidAccessTokenError(
          `tokens signed with ${algorithm ?? 'no algorithm'} are not accepted`,
        );
      }
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) throw error;
      throw new InvalidAccessTokenError((error as Error).message);
    }
    if (typeof payload.sub !== 'string' || !UUID.test(payload.sub)) {
      throw new InvalidAccessTokenError('the token has no user');
    }
    return { userId: payload.sub.toLowerCase(), expiresAt: (payload.exp ?? 0) * 1000 };
  };

  return {
    async verify(token) {
      const known = verified.get(token);
      if (known && known.expiresAt > Date.now()) return known;
      const { userId, expiresAt } = await verifyUncached(token);
      // A full cache is simply emptied: it refills with the tokens still in use.
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.clear();
      verified.set(token, { userId, expiresAt });
      return { userId, expiresAt };
    },
  };
}
