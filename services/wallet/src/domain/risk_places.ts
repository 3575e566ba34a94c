// The operator's entries for the risk engine's travel checks (WALLET_RISK_PLACES): metro stations (transit's
// station ids, where the taps the wallet follows happened) and merchants (onboarded services with a counter
// somewhere in the city), each at a point in kilometres east and north of the city's south-west corner, the frame
// of @citypass/risk's Place. Stations need no entry: each tap carries its station's GTFS position, which the wallet
// projects onto the same frame around WALLET_RISK_ORIGIN (local_projection.ts, app/known_places.ts); nor do
// merchants onboarded with their counter's location (app/merchant_places.ts). An entry wins over a learned position:
// it corrects the data, or places what the data does not (a feed without stop_lat/stop_lon, a merchant onboarded
// without a location). Pure.
import type { Place } from '@citypass/risk';

export interface RiskPlaces {
  readonly stations: ReadonlyMap<string, Place>;
  readonly merchants: ReadonlyMap<string, Place>;
}

/** The largest coordinate taken, in kilometres: a city, not a continent. */
export const maxPlaceKm = 1_000;

/** A station's or a merchant's id: transit's station ids and service names both fit it. */
export const placeIdPattern = /^[A-Za-z0-9._:-]{1,64}$/;

const entryPattern = /^(station|merchant):([A-Za-z0-9._:-]{1,64})=([0-9]+(?:\.[0-9]+)?)\/([0-9]+(?:\.[0-9]+)?)$/;

/** Why each malformed entry of `list` is refused; empty when it reads. */
export function riskPlacesProblems(list: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const entry of entriesOf(list)) {
    const match = entryPattern.exec(entry);
    const key = match === null ? '' : `${match[1] ?? ''}:${match[2] ?? ''}`;
    if (match === null || Number(match[3]) > maxPlaceKm || Number(match[4]) > maxPlaceKm)
      problems.push(
        `WALLET_RISK_PLACES: ${JSON.stringify(entry)} is not station:<id>=<xKm>/<yKm> or merchant:<service>=<xKm>/<yKm> (0-${maxPlaceKm} km)`,
      );
    else if (seen.has(key)) problems.push(`WALLET_RISK_PLACES: ${key} is placed twice`);
    seen.add(key);
  }
  return problems;
}

/** WALLET_RISK_PLACES read; `list` must have no problems (riskPlacesProblems). */
export function riskPlaces(list: string): RiskPlaces {
  const stations = new Map<string, Place>();
  const merchants = new Map<string, Place>();
  for (const entry of entriesOf(list)) {
    const match = entryPattern.exec(entry);
    if (match === null) throw new Error(`WALLET_RISK_PLACES entry ${JSON.stringify(entry)} does not read`);
    const place = { xKm: Number(match[3]), yKm: Number(match[4]) };
    (match[1] === 'station' ? stations : merchants).set(match[2] ?? '', place);
  }
  return { stations, merchants };
}

function entriesOf(list: string): string[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
