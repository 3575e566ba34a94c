// The clinics and insurers health billing knows, as identity onboarded them.
import type { Queryable } from '@citypass/platform/pg';
import type { PartyStore } from '../app/store.ts';

export function postgresPartyStore(db: Queryable): PartyStore {
  return {
    async add({ name, kind, displayName, onboardedAtMs }) {
      const result = await db.query(
        `INSERT INTO parties (name, kind, display_name, onboarded_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name, kind) DO NOTHING`,
        [name, kind, displayName, new Date(onboardedAtMs)],
      );
      return result.rowCount === 1;
    },
    async has(name, kind) {
      const result = await db.query('SELECT 1 FROM parties WHERE name = $1 AND kind = $2', [name, kind]);
      return result.rowCount === 1;
    },
  };
}
