// The lease that makes one settler at a time work on a rider, across instances. Taken and renewed with one
// statement each (no transaction or connection is held meanwhile); a settler that dies leaves it to lapse.
import { randomUUID } from 'node:crypto';
import { DomainError } from '@citypass/platform/errors';
import type { Queryable } from '@citypass/platform/pg';
import type { RiderLease } from '../app/transit_store.ts';
import { transitReasons } from '@citypass/contracts';

/** Longer than one settlement step's wallet calls (authorize + capture, 5 s deadline each) with room to spare. */
const leaseMs = 60_000;
const releaseAttempts = 5;

/** The rider's lease, or undefined while another settler holds it. */
export async function takeRiderLease(db: Queryable, residentId: string): Promise<RiderLease | undefined> {
  const holder = randomUUID();
  const extend = async (): Promise<boolean> => {
    const { rowCount } = await db.query(
      `UPDATE riders SET settling_holder = $2, settling_until = now() + $3 * interval '1 millisecond'
        WHERE resident_id = $1 AND (settling_holder = $2 OR settling_until IS NULL OR settling_until < now())`,
      [residentId, holder, leaseMs],
    );
    return rowCount === 1;
  };
  if (!(await extend())) return undefined;
  return {
    renew: async () => {
      if (!(await extend()))
        throw new DomainError(
          'unavailable',
          transitReasons.SETTLEMENT_LEASE_LOST,
          'another settler took this rider over',
        );
    },
    // A release lost with its connection (a failover) would leave the rider to wait out the lease: it is tried
    // again, each time on whichever connection the pool hands out.
    release: async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await db.query(
            'UPDATE riders SET settling_holder = NULL, settling_until = NULL WHERE resident_id = $1 AND settling_holder = $2',
            [residentId, holder],
          );
          return;
        } catch (error) {
          if (attempt >= releaseAttempts) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
        }
      }
    },
  };
}
