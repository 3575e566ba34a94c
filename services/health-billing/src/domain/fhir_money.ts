// Money in FHIR: a decimal `value` in major units and an ISO 4217 `currency`. Minor units become the decimal with the
// currency's ISO 4217 exponent by string arithmetic only (1250n EUR is "12.50", 1250n JPY is "1250", 1250n BHD is
// "1.250"), never through a float. FHIR decimals keep their written precision, so the text is written into the JSON
// as it is (fhir_json.ts). Pure.
import assert from 'node:assert/strict';
import { decimalText } from '@citypass/platform/money';

/** A FHIR decimal, kept as the exact text to write into the JSON (a JSON number, not a string). */
export class FhirDecimal {
  readonly text: string;
  constructor(text: string) {
    assert.match(text, /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/, 'a FHIR decimal');
    this.text = text;
  }
}

export interface FhirMoney {
  readonly value: FhirDecimal;
  readonly currency: string;
}

/** `amountMinor` (>= 0) of `currency` as its exact decimal in major units. */
export function decimalOfMinor(amountMinor: bigint, currency: string): FhirDecimal {
  assert.ok(amountMinor >= 0n, 'money in a FHIR resource is never negative here');
  return new FhirDecimal(decimalText(amountMinor, currency));
}

export function fhirMoney(amountMinor: bigint, currency: string): FhirMoney {
  return { value: decimalOfMinor(amountMinor, currency), currency };
}

/** A whole count (a quantity) as a FHIR decimal. */
export function wholeDecimal(value: number): FhirDecimal {
  assert.ok(Number.isSafeInteger(value) && value >= 0, 'a whole count');
  return new FhirDecimal(String(value));
}
