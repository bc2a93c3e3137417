// Where the embedded database of `npm run demo`, `npm start` and `npm run migrate` lives when neither
// DATABASE_URL nor SUPABASE_URL is set.

import { fileURLToPath } from 'node:url';

export const EMBEDDED_DATA_DIR = fileURLToPath(new URL('../../.data/postgres', import.meta.url));
export const EMBEDDED_PORT = Number(process.env.EMBEDDED_POSTGRES_PORT ?? 54329);
