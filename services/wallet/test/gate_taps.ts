// Gate taps in the wallet's tests that run beside transit (its harness): a tap that must open, the resident's
// TapRecorded read back from transit's stream, and the wait until the wallets' tap followers were served it; and the
// shop payment those tests judge against the taps.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { JetStreamManager } from '@nats-io/jetstream';
import { transitEventSubjects } from '@citypass/contracts';
import { createPresentation } from '@citypass/credential';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import type { AuthorizeRequest } from '@citypass/proto/wallet/v1/wallet';
import { TapRecorded } from '@citypass/proto/transit/v1/transit';
import type { TransitHarness } from '../../transit/test/harness.ts';
import { waitFor, type Phone } from './harness.ts';

export interface GateTaps {
  /** A tap of the resident's phone at `gateId` that the gate opens. */
  readonly tapAt: (phone: Phone, gateId: string, direction?: 'in' | 'out') => Promise<void>;
  /** The resident's tap event once it is the stream's last, with its stream sequence. */
  readonly tapEventOf: (phone: Phone) => Promise<{ tap: TapRecorded; seq: number }>;
  /** The resident's tap event, once the broker has delivered it to `wallets` tap followers (ordered consumers). */
  readonly walletReceived: (phone: Phone, wallets?: number) => Promise<TapRecorded>;
}

export function gateTaps(h: TransitHarness, jsm: JetStreamManager): GateTaps {
  const tapEventOf = async (phone: Phone): Promise<{ tap: TapRecorded; seq: number }> => {
    let found: { tap: TapRecorded; seq: number } | undefined;
    await waitFor(async () => {
      const message = await jsm.streams
        .getMessage(h.config.TRANSIT_STREAM, { last_by_subj: transitEventSubjects.tapRecorded })
        .catch(() => undefined);
      if (message === undefined || message === null) return false;
      const tap = TapRecorded.decode(EventEnvelope.decode(message.data).payload);
      if (tap.residentId === phone.residentId) found = { tap, seq: message.seq };
      return found !== undefined;
    }, 'the tap event in the stream');
    assert.ok(found);
    return found;
  };
  return {
    tapAt: async (phone, gateId, direction = 'in') => {
      const presentation = h.tapPresentation(phone);
      const answer = await h.gates.tap({ presentation, gateId, direction, tappedAt: undefined, tapId: '' });
      assert.equal(answer.decision, 'OPEN', answer.reason);
    },
    tapEventOf,
    walletReceived: async (phone, wallets = 1) => {
      const { tap, seq } = await tapEventOf(phone);
      await waitFor(async () => {
        let served = 0;
        for await (const consumer of jsm.consumers.list(h.config.TRANSIT_STREAM))
          if (
            consumer.config.filter_subject === transitEventSubjects.tapRecorded &&
            consumer.delivered.stream_seq >= seq
          )
            served++;
        return served >= wallets;
      }, "the wallets' followers served the tap");
      return tap;
    },
  };
}

/** An authorization of `amountMinor` (5.00 by default) at the shop `audience`, presented by `phone` at `nowMs`. */
export function shopPayment(
  phone: Phone,
  audience: string,
  nowMs: number,
  counter: number,
  amountMinor = 500n,
): AuthorizeRequest {
  return {
    idempotencyKey: randomBytes(12).toString('hex'),
    amount: { amountMinor, currency: 'EUR' },
    presentation: createPresentation({
      credential: phone.credential,
      devicePrivateKey: phone.app.deviceKey.privateKey,
      audience,
      counter,
      nowMs,
    }),
    reference: '',
    holdTtlSeconds: 0,
    settlesTap: false,
  };
}
