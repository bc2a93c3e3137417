import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import {
  createAccessTokenVerifier,
  InvalidAccessTokenError,
} from '../../server/auth/access-token-verifier.ts';
import { accessToken, TEST_JWT_SECRET } from '../support/access-tokens.ts';
import { startTestServer, type TestServer } from '../support/server-harness.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';

after(stopOwnTestCluster);

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('authentication of GET /v1/balance', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  async function errorOf(response: Response) {
    return {
      status: response.status,
      code: ((await response.json()) as { error: { code: string } }).error.code,
    };
  }

  test('a member gets their tenant balance', async () => {
    const customer = await server.newCustomer();
    const response = await server.api('/v1/balance', { token: customer.token });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await response.json(), {
      tenant_id: customer.tenantId,
      balance_credits: 100,
      reserved_credits: 0,
      available_credits: 100,
      auto_recharge: { state: 'off', reason: null },
    });
  });

  test('no token, a malformed header or garbage → 401 unauthorized with WWW-Authenticate', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { Authorization: 'Basic abc' },
      { Authorization: 'Bearer' },
      { Authorization: 'Bearer not.a.jwt' },
    ]) {
      const response = await server.api('/v1/balance', { headers });
      assert.deepEqual(
        await errorOf(response),
        { status: 401, code: 'unauthorized' },
        JSON.stringify(headers),
      );
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
  });

  test('expired, not yet valid, wrong audience, wrong secret → 401', async () => {
    const customer = await server.newCustomer();
    const tokens = {
      expired: await accessToken(customer.userId, { expiresInSeconds: -60 }),
      notYetValid: await accessToken(customer.userId, { notBeforeSeconds: 600 }),
      wrongAudience: await accessToken(customer.userId, { audience: 'anon' }),
      wrongSecret: await accessToken(customer.userId, {
        secret: 'another-secret-that-is-also-32-characters-long',
      }),
    };
    for (const [name, token] of Object.entries(tokens)) {
      assert.deepEqual(
        await errorOf(await server.api('/v1/balance', { token })),
        { status: 401, code: 'unauthorized' },
        name,
      );
    }
  });

  test("alg: none and a tampered payload (another user's id) → 401", async () => {
    const customer = await server.newCustomer();
    const other = await server.newCustomer();
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: customer.userId, aud: 'authenticated', role: 'authenticated', exp: now + 600 };
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
    assert.deepEqual(await errorOf(await server.api('/v1/balance', { token: unsigned })), {
      status: 401,
      code: 'unauthorized',
    });

    const [header, , signature] = customer.token.split('.');
    const tampered = `${header}.${encode({ ...claims, sub: other.userId })}.${signature}`;
    assert.deepEqual(await errorOf(await server.api('/v1/balance', { token: tampered })), {
      status: 401,
      code: 'unauthorized',
    });
  });

  test('a service-role key (no user) is not a user token → 401', async () => {
    const serviceKey = await new SignJWT({ role: 'service_role' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    assert.deepEqual(await errorOf(await server.api('/v1/balance', { token: serviceKey })), {
      status: 401,
      code: 'unauthorized',
    });
  });

  test('a valid token of a user without a membership → 403 no_tenant; so is an active tenant the user left', async () => {
    const stranger = randomUUID();
    assert.deepEqual(await errorOf(await server.api('/v1/balance', { token: await accessToken(stranger) })), {
      status: 403,
      code: 'no_tenant',
    });

    const customer = await server.newCustomer();
    await server.database.sql`delete from public.memberships where user_id = ${customer.userId}`;
    assert.deepEqual(await errorOf(await server.api('/v1/balance', { token: customer.token })), {
      status: 403,
      code: 'no_tenant',
    });
  });
});

describe('access token verifier with asymmetric keys (JWKS)', () => {
  test('accepts ES256 tokens from the JWKS and refuses HS256 tokens when only a JWKS is configured', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' };
    const verifier = createAccessTokenVerifier({ jwks: createLocalJWKSet({ keys: [jwk] }) });
    const userId = randomUUID();
    const es256 = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'ES256', kid: 'key-1' })
      .setSubject(userId)
      .setAudience('authenticated')
      .setExpirationTime('10m')
      .sign(privateKey);
    const verified = await verifier.verify(es256);
    assert.equal(verified.userId, userId);
    // When the token expires: a balance stream opened with it ends then.
    assert.equal(
      verified.expiresAt,
      (JSON.parse(Buffer.from(es256.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000,
    );
    await assert.rejects(verifier.verify(await accessToken(userId)), InvalidAccessTokenError);
  });

  test('HS/RS confusion: a token "signed" with HS256 using the public key as secret is refused', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
    const verifier = createAccessTokenVerifier({ jwks: createLocalJWKSet({ keys: [jwk] }), jwtSecret: null });
    const forged = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .setSubject(randomUUID())
      .setAudience('authenticated')
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(JSON.stringify(jwk)));
    await assert.rejects(verifier.verify(forged), InvalidAccessTokenError);
  });

  test('an RS256 token is never checked against the HS256 secret', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const verifier = createAccessTokenVerifier({ jwtSecret: TEST_JWT_SECRET });
    const rs256 = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject(randomUUID())
      .setAudience('authenticated')
      .setExpirationTime('10m')
      .sign(privateKey);
    await assert.rejects(verifier.verify(rs256), InvalidAccessTokenError);
  });
});
