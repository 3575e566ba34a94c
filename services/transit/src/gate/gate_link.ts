// What a gate needs from the transit service: its configuration, and a place to upload the taps it decided alone.
// The gRPC client satisfies it; tests may use an in-process fake.
import {
  TransitServiceService,
  type GetGateConfigRequest,
  type GetGateConfigResponse,
  type UploadTapsRequest,
  type UploadTapsResponse,
} from '@citypass/proto/transit/v1/transit';
import { bearer, promiseClient } from '@citypass/platform/grpc';

export interface GateLink {
  getGateConfig(request: GetGateConfigRequest): Promise<GetGateConfigResponse>;
  uploadTaps(request: UploadTapsRequest): Promise<UploadTapsResponse>;
}

/** A gate's access token (client_credentials, scope `gate:<client>`), fetched or cached by the caller. */
export type TokenSource = () => Promise<string>;

/** TransitService over gRPC with the gate's bearer token on every call; close() releases the channel. */
export function grpcGateLink(address: string, tokenSource: TokenSource, options: { timeoutMs?: number } = {}): GateLink & { close(): void } {
  return promiseClient(TransitServiceService, address, {
    metadata: async () => bearer(await tokenSource()),
    timeoutMs: options.timeoutMs ?? 10_000,
  });
}
