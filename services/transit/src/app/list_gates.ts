// ListGates: the network's gates in gate id order, a page at a time, optionally only those whose gate id or station
// id starts with a search prefix. The gates come from the feed (in memory, sorted once); the page starts after the
// last gate id served (a binary search), so a page costs the same on the 10,000th gate as on the first. A
// merchant-scoped operator's pages skip the gates other clients operate (a scan past them: fine for a few
// thousand gates, linear in the gates skipped).
import { transitReasons } from '@citypass/contracts';
import type { ListGatesRequest, ListGatesResponse } from '@citypass/proto/transit/v1/transit';
import { invalidArgument } from '@citypass/platform/errors';
import type { Gate } from '../gtfs/feed.ts';
import type { FareBook } from './fare_book.ts';
import type { GateAssignments } from './gate_assignments.ts';
import { checkPageSize, keyOfPageToken, pageTokenOf } from './page_token.ts';

const searchPattern = /^[A-Za-z0-9._:-]{0,64}$/;
const gateIdPattern = /^[A-Za-z0-9._:-]{1,64}$/;
const sortedGates = new WeakMap<ReadonlyMap<string, Gate>, readonly Gate[]>();

/** `operatedBy`: only the gates assigned to this client (a merchant-scoped operator's); '' for every gate. */
export function listGates(
  deps: { fares: FareBook; assignments: GateAssignments },
  request: ListGatesRequest,
  operatedBy = '',
): ListGatesResponse {
  const size = checkPageSize(request.pageSize);
  if (!searchPattern.test(request.search))
    throw invalidArgument(transitReasons.GATE_SEARCH_INVALID, 'search is 0-64 of [A-Za-z0-9._:-]');
  const after = keyOfPageToken('gates', request.pageToken, gateIdPattern);
  const gates = gatesById(deps.fares.gates);
  const page: Gate[] = [];
  let more = false;
  for (let index = after === undefined ? 0 : firstAfter(gates, after); index < gates.length; index++) {
    const gate = gates[index];
    if (gate === undefined || !matches(gate, request.search)) continue;
    if (operatedBy !== '' && deps.assignments.describe(gate).clientId !== operatedBy) continue;
    if (page.length === size) {
      more = true;
      break;
    }
    page.push(gate);
  }
  const last = page.at(-1);
  return {
    gates: page.map((gate) => deps.assignments.describe(gate)),
    nextPageToken: more && last !== undefined ? pageTokenOf('gates', last.id) : '',
  };
}

function matches(gate: Gate, search: string): boolean {
  return gate.id.startsWith(search) || gate.stationId.startsWith(search);
}

function gatesById(gates: ReadonlyMap<string, Gate>): readonly Gate[] {
  let sorted = sortedGates.get(gates);
  if (sorted === undefined) {
    sorted = [...gates.values()].sort((first, second) => (first.id < second.id ? -1 : first.id > second.id ? 1 : 0));
    sortedGates.set(gates, sorted);
  }
  return sorted;
}

/** The index of the first gate whose id sorts after `gateId`. */
function firstAfter(gates: readonly Gate[], gateId: string): number {
  let low = 0;
  let high = gates.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((gates[middle]?.id ?? '') <= gateId) low = middle + 1;
    else high = middle;
  }
  return low;
}
