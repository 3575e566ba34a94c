// The fare rules file an operator edits: the FareRules message's proto JSON (camelCase names, amounts in minor
// units as strings), the same form `citypass fare-rules list --json` prints, so the last version is the template
// for the next. Read strictly: a misspelt field would otherwise be dropped by the JSON decoder and become a zero
// (a zero transfer window, a free zone pair), which transit could accept as a real rule.
import { FareRules } from '@citypass/proto/transit/v1/transit';

// Every field set to a value that is not its default, so toJSON names every field at every level.
const amounts = { adultMinor: 1n, childMinor: 1n, seniorMinor: 1n, studentMinor: 1n };
const everyField: unknown = FareRules.toJSON({
  version: 1,
  effectiveFrom: 'x',
  zoneFares: [{ fromZone: 1, toZone: 1, fare: amounts }],
  transferWindowMinutes: 1,
  maxJourneyMinutes: 1,
  dailyCap: amounts,
  weeklyCap: amounts,
  weeklyCapPeriod: 'x',
  maxFare: amounts,
  unmatchedExitFare: amounts,
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The paths of fields `value` has that the message does not (e.g. `zoneFares[2].fare.adult`). */
function unknownFields(value: unknown, shape: unknown, path: string): string[] {
  if (Array.isArray(value) && Array.isArray(shape))
    return value.flatMap((item, index) => unknownFields(item, shape[0], `${path}[${index}]`));
  if (!isObject(value) || !isObject(shape)) return [];
  return Object.entries(value).flatMap(([key, field]) =>
    key in shape
      ? unknownFields(field, shape[key], path === '' ? key : `${path}.${key}`)
      : [path ? `${path}.${key}` : key],
  );
}

/** The rules in `text`, or the problem with it in words (nothing is sent then). */
export function parseFareRulesFile(text: string): FareRules | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problem: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!isObject(json)) return { problem: 'the file must hold one FareRules object' };
  const unknown = unknownFields(json, everyField, '');
  if (unknown.length > 0) return { problem: `unknown field(s): ${unknown.slice(0, 5).join(', ')}` };
  try {
    return FareRules.fromJSON(json);
  } catch (error) {
    return { problem: `a field has the wrong type: ${error instanceof Error ? error.message : String(error)}` };
  }
}
