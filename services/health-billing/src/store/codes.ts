// The code catalogue: code and category in clear (they price a line), the description sealed.
import type { Queryable } from '@citypass/platform/pg';
import type { CodeStore, SealedCode } from '../app/store.ts';

export function postgresCodeStore(db: Queryable): CodeStore {
  return {
    async put(codes, atMs) {
      await db.query(
        `INSERT INTO codes (code, category, description_sealed, updated_at, max_quantity)
         SELECT c.code, c.category, c.description_sealed, $4::timestamptz, c.max_quantity
         FROM unnest($1::text[], $2::text[], $3::bytea[], $5::int[]) AS c(code, category, description_sealed, max_quantity)
         ON CONFLICT (code) DO UPDATE
           SET category = EXCLUDED.category, description_sealed = EXCLUDED.description_sealed, updated_at = EXCLUDED.updated_at,
             max_quantity = EXCLUDED.max_quantity`,
        [
          codes.map((c) => c.code),
          codes.map((c) => c.category),
          codes.map((c) => c.descriptionSealed),
          new Date(atMs),
          codes.map((c) => c.maxQuantity),
        ],
      );
    },
    async find(codes) {
      const result = await db.query<{
        code: string;
        category: string;
        description_sealed: Buffer;
        max_quantity: number;
      }>('SELECT code, category, description_sealed, max_quantity FROM codes WHERE code = ANY($1::text[])', [codes]);
      return new Map<string, SealedCode>(
        result.rows.map((row) => [
          row.code,
          {
            code: row.code,
            category: row.category,
            descriptionSealed: row.description_sealed,
            maxQuantity: row.max_quantity,
          },
        ]),
      );
    },
    async all() {
      const result = await db.query<{ code: string; category: string }>(
        'SELECT code, category FROM codes ORDER BY code',
      );
      return result.rows;
    },
  };
}
