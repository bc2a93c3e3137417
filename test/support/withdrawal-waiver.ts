// What a consumer's element sends with every checkout (the default selling mode): the ticked
// withdrawal-right waiver and the version of the text it showed.

import { CURRENT_WITHDRAWAL_WAIVER } from '../../server/selling/withdrawal-waiver.ts';

export const WAIVER_GIVEN = Object.freeze({
  withdrawal_waiver: true,
  withdrawal_waiver_version: CURRENT_WITHDRAWAL_WAIVER.version,
});
