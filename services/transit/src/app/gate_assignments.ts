// Which gate client operates which gate. A gate's taps, uploads and configuration are accepted only from the
// client it is assigned to (an OIDC client with `gate:<client>`), so a gate fleet cannot tap as another fleet's
// gates, and a gate with no client cannot be used at all. Read on every tap from memory; reloaded after a change
// and by workers/gate_assignments_reload.ts, so another instance's assignment reaches this one within 30 s.
// A gate client an operator suspended is refused (SERVICE_SUSPENDED) with the token it still holds: no online taps,
// no configuration, and no uploads. Its gates keep their store-and-forward journals (they hold each tap until an
// upload is accepted), so the taps they took are settled after it is resumed, not lost; and a suspended fleet
// cannot feed taps, real or replayed, into settlement meanwhile.
import { transitReasons, serviceScope } from '@citypass/contracts';
import type { ServiceSuspensions } from '@citypass/credential';
import type { Gate as GateMessage } from '@citypass/proto/transit/v1/transit';
import { invalidArgument, notFound, permissionDenied } from '@citypass/platform/errors';
import type { Principal } from '@citypass/platform/grpc';
import type { Gate } from '../gtfs/feed.ts';
import type { FareBook } from './fare_book.ts';
import { auditActions, checkActionReason } from './operator_audit.ts';
import type { TransitStore } from './transit_store.ts';
import { commonReasons } from '@citypass/platform/reasons';

const clientIdPattern = /^[a-z][a-z0-9-]{1,31}$/;
const maxGatesPerCall = 1_000;

export class GateAssignments {
  readonly #store: TransitStore;
  readonly #suspensions: ServiceSuspensions;
  #clientOf = new Map<string, string>();

  private constructor(store: TransitStore, suspensions: ServiceSuspensions) {
    this.#store = store;
    this.#suspensions = suspensions;
  }

  static async open(store: TransitStore, suspensions: ServiceSuspensions): Promise<GateAssignments> {
    const assignments = new GateAssignments(store, suspensions);
    await assignments.reload();
    return assignments;
  }

  async reload(): Promise<void> {
    this.#clientOf = await this.#store.gateAssignments.all();
  }

  /** The caller must hold `gate:<client>`, not be suspended, and the gate must be assigned to that client. */
  check(principal: Principal | undefined, gateId: string): void {
    if (principal === undefined || !principal.scopes.has(serviceScope('gate', principal.clientId))) {
      throw permissionDenied(commonReasons.SCOPE_MISSING, 'gates call with a token carrying gate:<client>');
    }
    this.#suspensions.assertActive(principal.clientId);
    if (this.#clientOf.get(gateId) !== principal.clientId) {
      throw permissionDenied(transitReasons.GATE_NOT_ASSIGNED, 'this gate is not assigned to the calling client');
    }
  }

  /**
   * Hands the gates to `clientId`; the audit log records each gate's client before and after, in the same
   * transaction with the operator's reason. `operator` is the client recorded as assigned_by, `actor` who the audit
   * log names.
   */
  async assign(
    fares: FareBook,
    operator: string,
    actor: string,
    request: { clientId: string; gateIds: readonly string[]; reason: string },
  ): Promise<GateMessage[]> {
    const { clientId, gateIds } = request;
    if (!clientIdPattern.test(clientId))
      throw invalidArgument(transitReasons.CLIENT_ID_INVALID, 'client_id is a service name: 2-32 of [a-z0-9-]');
    if (gateIds.length === 0 || gateIds.length > maxGatesPerCall)
      throw invalidArgument(transitReasons.GATE_IDS_INVALID, `1-${maxGatesPerCall} gate ids`);
    const unknown = gateIds.find((gateId) => !fares.gates.has(gateId));
    if (unknown !== undefined) throw notFound(transitReasons.GATE_UNKNOWN, 'a gate id is not in the network');
    const reason = checkActionReason(request.reason);
    const gates = [...new Set(gateIds)].sort();
    await this.#store.transaction(async (tx) => {
      const before = await tx.gateAssignments.lockClientsOf(gates);
      await tx.gateAssignments.assign(gates, clientId, operator);
      await tx.audit.append({
        actor,
        reason,
        action: auditActions.gatesAssigned,
        target: clientId,
        merchant: clientId,
        before: { clients: Object.fromEntries(gates.map((gate) => [gate, before.get(gate) ?? null])) },
        after: { clients: Object.fromEntries(gates.map((gate) => [gate, clientId])) },
      });
    });
    await this.reload();
    return this.list(fares).filter((gate) => gate.clientId === clientId);
  }

  list(fares: FareBook): GateMessage[] {
    return [...fares.gates.values()].map((gate) => this.describe(gate));
  }

  /** The gate on the wire, with the client it is assigned to ('' when none). */
  describe(gate: Gate): GateMessage {
    return { gateId: gate.id, stationId: gate.stationId, name: gate.name, clientId: this.#clientOf.get(gate.id) ?? '' };
  }
}
