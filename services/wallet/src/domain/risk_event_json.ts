// A scored risk event as JSON, one form for both places it travels: the risk_decisions.event column (replayed at
// start) and the outcomes wallet instances share (bus/risk_outcomes.ts). Amounts are strings: they are bigint.
import { channels, type Channel, type RiskEvent } from '@citypass/risk';

export type RiskEventJson = Omit<RiskEvent, 'amountMinor' | 'maxFareMinor'> & {
  readonly amountMinor: string;
  readonly maxFareMinor: string | null;
};

export function riskEventToJson(event: RiskEvent): RiskEventJson {
  return { ...event, amountMinor: event.amountMinor.toString(), maxFareMinor: event.maxFareMinor?.toString() ?? null };
}

/** The event as JSON text: a decision's `eventJson` (app/store.ts). */
export function riskEventJsonText(event: RiskEvent): string {
  return JSON.stringify(riskEventToJson(event));
}

/** Throws on an unknown channel or an amount that is not an integer. */
export function riskEventFromJson(json: RiskEventJson): RiskEvent {
  const channel: Channel = oneOf(channels, json.channel);
  return {
    ...json,
    channel,
    amountMinor: BigInt(json.amountMinor),
    maxFareMinor: json.maxFareMinor === null ? null : BigInt(json.maxFareMinor),
  };
}

export function oneOf<const T extends string>(values: readonly T[], value: string): T {
  const found = values.find((each) => each === value);
  if (found === undefined) throw new Error(`unknown value "${value}"`);
  return found;
}
