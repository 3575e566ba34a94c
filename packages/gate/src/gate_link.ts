// What a gate needs from the transit service: its configuration, and a place to upload the taps it decided alone.
// The gRPC client satisfies it; tests may use an in-process fake.
import {
  TransitServiceService,
  type GetGateConfigRequest,
  type GetGateConfigResponse,
  type UploadTapsRequest,
  type UploadTapsResponse,
} from '@citypass/proto/transit/v1/transit';
import { bearer, messageTooLargeReason, promiseClient } from '@citypass/platform/grpc';

export interface GateLink {
  getGateConfig(request: GetGateConfigRequest): Promise<GetGateConfigResponse>;
  /** Fails with MESSAGE_TOO_LARGE when the request is over a message size limit (the caller sends fewer taps). */
  uploadTaps(request: UploadTapsRequest): Promise<UploadTapsResponse>;
}

/** A request or reply over a gRPC message size limit, on either side (platform's mapping of gRPC's refusal). */
export { messageTooLargeReason };

/** GetGateConfig carries the whole deny list and revocations: far above grpc-js's 4 MiB default in a large city. */
export const maxReceiveMessageBytes = 16 * 1024 * 1024;

/** A gate's access token (client_credentials, scope `gate:<client>`), fetched or cached by the caller. */
export type TokenSource = () => Promise<string>;

/** TransitService over gRPC with the gate's bearer token on every call; close() releases the channel. */
export function grpcGateLink(
  address: string,
  tokenSource: TokenSource,
  options: { timeoutMs?: number } = {},
): GateLink & { close(): void } {
  const client = promiseClient(TransitServiceService, address, {
    metadata: async () => bearer(await tokenSource()),
    timeoutMs: options.timeoutMs ?? 10_000,
    channelOptions: { 'grpc.max_receive_message_length': maxReceiveMessageBytes },
  });
  return {
    getGateConfig: (request) => client.getGateConfig(request),
    uploadTaps: (request) => client.uploadTaps(request),
    close: () => {
      client.close();
    },
  };
}
