// The demo's tenant and user, created once and found again on every start (fixed ids).

import type postgres from 'postgres';

export const DEMO_TENANT_ID = '5e1f0000-0000-4000-8000-00000000d3a0';
export const DEMO_USER_ID = '5e1f0000-0000-4000-8000-0000000000d1';
export const DEMO_USER_EMAIL = 'demo@muster-immobilien.example';
export const DEMO_TENANT_NAME = 'Muster Immobilien GmbH';

export async function seedDemo(sql: postgres.Sql) {
  await sql.begin(async (tx) => {
    await tx`insert into public.organizations (id, name) values (${DEMO_TENANT_ID}, ${DEMO_TENANT_NAME})
             on conflict (id) do nothing`;
    await tx`insert into auth.users (id, email) values (${DEMO_USER_ID}, ${DEMO_USER_EMAIL})
             on conflict (id) do nothing`;
    await tx`insert into public.profiles (id, active_tenant_id) values (${DEMO_USER_ID}, ${DEMO_TENANT_ID})
             on conflict (id) do nothing`;
    await tx`insert into public.memberships (user_id, tenant_id, role)
             values (${DEMO_USER_ID}, ${DEMO_TENANT_ID}, 'owner')
             on conflict (user_id, tenant_id) do nothing`;
  });
}
