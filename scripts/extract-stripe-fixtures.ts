// Copies the Stripe objects the offline sandbox builds its responses from out of Stripe's own fixtures
// (../shared/stripe/fixtures3.json, MIT), unchanged, so a clone of this repository has them without
// ../shared. Run again after Stripe's fixtures change: `npx tsx scripts/extract-stripe-fixtures.ts`.

import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const RESOURCES = [
  'checkout.session',
  'event',
  'payment_intent',
  'charge',
  'refund',
  'dispute',
  'price',
  'product',
];
const source = fileURLToPath(new URL('../../shared/stripe/fixtures3.json', import.meta.url));
const target = fileURLToPath(new URL('../demo/stripe-sandbox/stripe-fixtures.json', import.meta.url));

const { resources } = JSON.parse(await readFile(source, 'utf8')) as { resources: Record<string, unknown> };
const picked = Object.fromEntries(
  RESOURCES.map((name) => {
    if (!resources[name]) throw new Error(`fixtures3.json has no ${name}`);
    return [name, resources[name]];
  }),
);
await writeFile(
  target,
  `${JSON.stringify({ source: 'stripe/openapi openapi/fixtures3.json (MIT, see STRIPE-FIXTURES-LICENSE)', resources: picked }, null, 2)}\n`,
);
await copyFile(
  fileURLToPath(new URL('../../shared/stripe/LICENSE', import.meta.url)),
  fileURLToPath(new URL('../demo/stripe-sandbox/STRIPE-FIXTURES-LICENSE', import.meta.url)),
);
console.log(`wrote ${RESOURCES.length} Stripe fixtures to demo/stripe-sandbox/stripe-fixtures.json`);
