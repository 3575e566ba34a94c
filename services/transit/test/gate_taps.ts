// What the transit integration tests do over and over, on the harness each file starts: a tap at a gate now, the
// taps recorded for a resident, and the metadata a resident reads their journeys with.
import { Metadata } from '@grpc/grpc-js';
import type { TapResponse } from '@citypass/proto/transit/v1/transit';
import type { TransitHarness } from './harness.ts';

type Phone = Parameters<TransitHarness['tapPresentation']>[0];

export const minute = 60_000;

/** The helpers on the harness `harness()` returns when they are called (each file starts its own in `before`). */
export function gateTaps(harness: () => TransitHarness): {
  tap: (phone: Phone, gateId: string, direction: 'in' | 'out', presentation?: string) => Promise<TapResponse>;
  tapCount: (residentId: string) => Promise<number>;
  accountMetadata: (phone: Phone) => Metadata;
} {
  return {
    tap: async (phone, gateId, direction, presentation = harness().tapPresentation(phone)) => {
      const h = harness();
      return h.gates.tap({ presentation, gateId, direction, tappedAt: new Date(h.now()), tapId: '' });
    },
    tapCount: async (residentId) => {
      const h = harness();
      return Number(
        (await h.db.query<{ n: string }>('SELECT count(*) AS n FROM taps WHERE resident_id = $1', [residentId])).rows[0]
          ?.n,
      );
    },
    accountMetadata: (phone) => {
      const metadata = new Metadata();
      metadata.set('citypass-presentation', phone.present('transit-account'));
      return metadata;
    },
  };
}
