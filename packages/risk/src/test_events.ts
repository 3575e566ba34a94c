// The payment the engine's unit tests start from (engine, engine_taps, record_outcome): resident-1 of long standing
// (device-1 bound 400 days before `baseMs`) paying 20.00 at a grocery, shop-1, at `baseMs`, online (no place);
// each test overrides what it is about.
import { verifiedPaymentFacts, type RiskEvent } from './event.ts';

export function shopPayment(baseMs: number, overrides: Partial<RiskEvent> = {}): RiskEvent {
  return {
    atMs: baseMs,
    channel: 'shop',
    residentId: 'resident-1',
    deviceId: 'device-1',
    credentialId: 'credential-1',
    deviceBoundAtMs: baseMs - 400 * 86_400_000,
    merchantId: 'shop-1',
    category: 'grocery',
    amountMinor: 2_000n,
    place: null,
    concession: 'adult',
    ...verifiedPaymentFacts,
    ...overrides,
  };
}
