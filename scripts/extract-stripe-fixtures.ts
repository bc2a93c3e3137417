// Copies the Stripe objects the offline sandbox builds its responses from out of Stripe's own fixtures
// (openapi/fixtures3.json of github.com/stripe/openapi, MIT), unchanged, into the repository. Run again
// after Stripe's fixtures change, with a checkout of that repository:
//   npx tsx scripts/extract-stripe-fixtures.ts path/to/stripe-openapi

import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
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
  'payment_method',
  'setup_intent',
];
const checkout = process.argv[2];
if (!checkout) {
  console.error('usage: npx tsx scripts/extract-stripe-fixtures.ts <checkout of github.com/stripe/openapi>');
  process.exit(2);
}
const source = path.join(checkout, 'openapi', 'fixtures3.json');
const target = fileURLToPath(new URL('../stripe-sandbox/stripe-fixtures.json', import.meta.url));

const { resources } = JSON.parse(await readFile(source, 'utf8')) as { resources: Record<string, unknown> };
const picked = Object.fromEntries(
  RESOURCES.map((name) => {
    if (!resources[name]) throw new Error(`fixtures3.json has no ${name}`);
    return [name, resources[name]];
  }),
);
const origin = 'stripe/openapi openapi/fixtures3.json (MIT, see STRIPE-FIXTURES-LICENSE)';
await writeFile(target, `${JSON.stringify({ source: origin, resources: picked }, null, 2)}\n`);
await copyFile(
  path.join(checkout, 'LICENSE'),
  fileURLToPath(new URL('../stripe-sandbox/STRIPE-FIXTURES-LICENSE', import.meta.url)),
);
console.log(`wrote ${RESOURCES.length} Stripe fixtures to stripe-sandbox/stripe-fixtures.json`);
