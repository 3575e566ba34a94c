// A FHIR resource as JSON text: every FhirDecimal written as the JSON number it spells, digit for digit ("12.50"
// stays 12.50; JSON.stringify of a float would write 12.5, and of 0.1 + 0.2 would write 0.30000000000000004).
// Node 24's JSON.rawJSON writes the text as a number. Pure.
import { FhirDecimal } from './fhir_money.ts';

const json = JSON as unknown as { rawJSON(text: string): unknown };

export function fhirJson(resource: object): string {
  return JSON.stringify(resource, (_key, value: unknown) =>
    value instanceof FhirDecimal ? json.rawJSON(value.text) : value,
  );
}
