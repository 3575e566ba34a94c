// @citypass/gate: what a metro gate runs. The tap decision (decide.ts) is shared with transit's online Tap RPC,
// which imports it from here; everything else runs on gate hardware: the offline runtime, its journal, uploader,
// dead letter and saved configuration, the link to transit and the follower of the NATS KV buckets.
export { BucketFollower, type BucketEvent, type BucketFollowerOptions } from './bucket_follower.ts';
export { decideTap, gateAudience, type DenyList, type TapDecision } from './decide.ts';
export { grpcGateLink, maxReceiveMessageBytes, messageTooLargeReason, type GateLink, type TokenSource } from './gate_link.ts';
export { GateRuntime, type GateEvent, type GateRuntimeOptions, type GateStarted, type TapResult } from './gate_runtime.ts';
export type { GateDecision, JournaledTap, TapDirection } from './journal_format.ts';
export { transitFieldLimits } from './transit_limits.ts';
