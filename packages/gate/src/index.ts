// @citypass/gate: what a metro gate runs. The tap decision (decide.ts) is shared with transit's online Tap RPC,
// which imports it from here; everything else runs on gate hardware: the offline runtime, its journal, uploader,
// dead letter and saved configuration, and the link to transit. The NATS KV buckets are followed by
// @citypass/credential's BucketFollower (last_known policy).
export { decideTap, gateAudience, type DenyList, type TapDecision } from './decide.ts';
export {
  grpcGateLink,
  maxReceiveMessageBytes,
  messageTooLargeReason,
  type GateLink,
  type TokenSource,
} from './gate_link.ts';
export {
  GateRuntime,
  type BucketEvent,
  type GateEvent,
  type GateRuntimeOptions,
  type GateStarted,
  type TapResult,
} from './gate_runtime.ts';
export type { GateDecision, JournaledTap, TapDirection } from './journal_format.ts';
export { transitFieldLimits } from './transit_limits.ts';
