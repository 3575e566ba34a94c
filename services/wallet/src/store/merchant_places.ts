// Merchants' counters as rows (migrations/12-merchant-places.sql) and typed values, once.
import type { Pool } from '@citypass/platform/pg';
import type { MerchantPlaceStore } from '../app/merchant_places.ts';

interface MerchantPlaceRow {
  readonly service: string;
  readonly latitude_microdegrees: number;
  readonly longitude_microdegrees: number;
}

export function merchantPlaceStore(pool: Pool): MerchantPlaceStore {
  return {
    async put({ service, point }) {
      await pool.query(
        `INSERT INTO merchant_places (service, latitude_microdegrees, longitude_microdegrees) VALUES ($1, $2, $3)
         ON CONFLICT (service) DO UPDATE SET latitude_microdegrees = EXCLUDED.latitude_microdegrees,
           longitude_microdegrees = EXCLUDED.longitude_microdegrees, placed_at = now()`,
        [service, point.latitudeMicrodegrees, point.longitudeMicrodegrees],
      );
    },
    async all(limit) {
      const { rows } = await pool.query<MerchantPlaceRow>(
        'SELECT service, latitude_microdegrees, longitude_microdegrees FROM merchant_places ORDER BY service LIMIT $1',
        [limit],
      );
      return rows.map((row) => ({
        service: row.service,
        point: { latitudeMicrodegrees: row.latitude_microdegrees, longitudeMicrodegrees: row.longitude_microdegrees },
      }));
    },
  };
}
