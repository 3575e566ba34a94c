// TransitService over gRPC: decode -> app -> encode. Gates authenticate with a `gate:<client>` token (and must be
// assigned to that client), operators
// with `transit:admin` as far as their roles and scope reach (app/operator_scope.ts), residents with a presentation addressed to transit-account in `citypass-presentation`.
import { operatorScopes } from '@citypass/contracts';
import { transitFieldLimits } from '@citypass/gate';
import { TapResponse, TransitServiceService } from '@citypass/proto/transit/v1/transit';
import { presentationOf, type GrpcServer, type MethodPolicy } from '@citypass/platform/grpc';
import { encodeMessage } from '@citypass/platform/protobuf';
import type { GateDeps } from '../app/gate_calls.ts';
import { findJourney } from '../app/find_journey.ts';
import { getCapProgress } from '../app/get_cap_progress.ts';
import { gateConfig } from '../app/get_gate_config.ts';
import { listDenyList } from '../app/list_deny_list.ts';
import { listFareRules } from '../app/list_fare_rules.ts';
import { listGates } from '../app/list_gates.ts';
import { listJourneys } from '../app/list_journeys.ts';
import { previewFareRules } from '../app/preview_fare_rules.ts';
import { putFareRules } from '../app/put_fare_rules.ts';
import { residentOf, type RiderDeps } from '../app/rider_view.ts';
import { listAuditEvents } from '../app/list_audit_events.ts';
import { actorOf } from '../app/operator_audit.ts';
import { auditMerchantOf, checkDepartmentAccess, gateClientOfList } from '../app/operator_scope.ts';
import { tap } from '../app/tap.ts';
import { uploadTaps } from '../app/upload_taps.ts';

/** The name its gRPC health reports under: NOT_SERVING while transit does not follow its buckets. */
export const transitServiceName = 'citypass.transit.v1.TransitService';
const operatorScope = operatorScopes.transit;
const gate: MethodPolicy = 'authenticated';
const operator: MethodPolicy = { anyScope: [operatorScope] };
const resident: MethodPolicy = 'public';

/**
 * The service as generated, except that a Tap answer is encoded by the process's one protobuf writer (platform
 * protobuf.ts) and handed to grpc-js as a view: the generated serializer starts a new 128-byte buffer per answer
 * (off the JavaScript heap, as V8 keeps typed arrays over 64 bytes), copies what it wrote out of it and copies that
 * again into a Buffer. With the tap event's and the live decision's encodes: 21 -> 12 us of CPU a tap, measured
 * alone (docs/capacity.md, "Transit's CPU per tap").
 */
const transitService = {
  ...TransitServiceService,
  tap: {
    ...TransitServiceService.tap,
    responseSerialize: (value: TapResponse): Buffer => {
      const bytes = encodeMessage(TapResponse, value);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  },
} as const satisfies typeof TransitServiceService;

export function addTransitService(server: GrpcServer, deps: GateDeps & RiderDeps): void {
  server.addService(
    transitServiceName,
    transitService,
    {
      tap: (request, context) => tap(deps, context.principal, request),
      uploadTaps: (request, context) => uploadTaps(deps, context.principal, request),
      getGateConfig: (request, context) => gateConfig(deps, context.principal, request.gateId),
      listJourneys: async (request, context) =>
        listJourneys(
          deps,
          await residentOf(deps, presentationOf(context.metadata)),
          request.fromServiceDate,
          request.toServiceDate,
        ),
      getCapProgress: async (_request, context) =>
        getCapProgress(deps, await residentOf(deps, presentationOf(context.metadata))),
      putFareRules: (request, context) => {
        checkDepartmentAccess(context.principal, true);
        return putFareRules(deps, context.principal?.clientId ?? 'unknown', actorOf(context.principal), request);
      },
      listFareRules: (_request, context) => {
        checkDepartmentAccess(context.principal, false);
        return Promise.resolve(listFareRules(deps.fares));
      },
      assignGates: async (request, context) => {
        checkDepartmentAccess(context.principal, true);
        return {
          gates: await deps.assignments.assign(
            deps.fares,
            context.principal?.clientId ?? 'unknown',
            actorOf(context.principal),
            request,
          ),
        };
      },
      listGates: (request, context) => Promise.resolve(listGates(deps, request, gateClientOfList(context.principal))),
      previewFareRules: (request, context) => {
        checkDepartmentAccess(context.principal, false);
        return previewFareRules(deps, request);
      },
      listDenyList: (request, context) => {
        checkDepartmentAccess(context.principal, false);
        return listDenyList(deps, request);
      },
      findJourney: (request, context) => {
        checkDepartmentAccess(context.principal, false);
        return findJourney(deps, request.holdId);
      },
      listAuditEvents: (request, context) => listAuditEvents(deps, auditMerchantOf(context.principal), request),
    },
    {
      tap: gate,
      uploadTaps: gate,
      getGateConfig: gate,
      listJourneys: resident,
      getCapProgress: resident,
      putFareRules: operator,
      listFareRules: operator,
      assignGates: operator,
      listGates: operator,
      previewFareRules: operator,
      listDenyList: operator,
      findJourney: operator,
      listAuditEvents: operator,
    },
    transitFieldLimits,
  );
}
