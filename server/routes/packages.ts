import { Hono } from 'hono';
import type { PackageListResponse } from '../../contract/credit-topup-api.ts';
import { CREDIT_CURRENCY, creditPackages } from '../../credit-packages.ts';
import type { CustomAmountSettings } from '../config.ts';
import { jsonAnswer, setAnswerHeader } from '../http/answer-headers.ts';
import type { AppEnv } from '../http/app-env.ts';
import { customAmountOffer } from '../purchases/chosen-offer.ts';

export function packageRoutes(customAmount: CustomAmountSettings | null | undefined) {
  const body: PackageListResponse = {
    currency: CREDIT_CURRENCY,
    packages: creditPackages.map((creditPackage) => ({
      id: creditPackage.id,
      name: creditPackage.name,
      credits: creditPackage.credits,
      amount: creditPackage.amountCents,
    })),
    custom_amount: customAmountOffer(customAmount),
  };
  return new Hono<AppEnv>().get('/v1/packages', (c) => {
    setAnswerHeader(c, 'Cache-Control', 'public, max-age=300');
    return jsonAnswer(c, body);
  });
}
