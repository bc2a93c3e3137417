import { Hono } from 'hono';
import type { PackageListResponse } from '../../contract/credit-topup-api.ts';
import { CREDIT_CURRENCY, creditPackages } from '../../credit-packages.ts';
import { jsonAnswer, setAnswerHeader } from '../http/answer-headers.ts';
import type { AppEnv } from '../http/app-env.ts';

export function packageRoutes() {
  const body: PackageListResponse = {
    currency: CREDIT_CURRENCY,
    packages: creditPackages.map((creditPackage) => ({
      id: creditPackage.id,
      name: creditPackage.name,
      credits: creditPackage.credits,
      amount: creditPackage.amountCents,
    })),
  };
  return new Hono<AppEnv>().get('/v1/packages', (c) => {
    setAnswerHeader(c, 'Cache-Control', 'public, max-age=300');
    return jsonAnswer(c, body);
  });
}
