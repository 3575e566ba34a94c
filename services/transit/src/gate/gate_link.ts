// What a gate needs from the transit service: its configuration, and a place to upload the taps it decided alone.
// The gRPC client satisfies it; tests may use an in-process fake.
import * as grpc from '@grpc/grpc-js';
import {
  TransitServiceService,
  type GetGateConfigRequest,
  type GetGateConfigResponse,
  type UploadTapsRequest,
  type UploadTapsResponse,
} from '@citypass/proto/transit/v1/transit';
import { DomainError } from '@citypass/platform/errors';
import { bearer, domainErrorFromGrpc } from '@citypass/platform/grpc';

export interface GateLink {
  getGateConfig(request: GetGateConfigRequest): Promise<GetGateConfigResponse>;
  /** Fails with MESSAGE_TOO_LARGE when the request is over a message size limit (the caller sends fewer taps). */
  uploadTaps(request: UploadTapsRequest): Promise<UploadTapsResponse>;
}

/** A request or reply over a gRPC message size limit, on either side. */
export const messageTooLargeReason = 'MESSAGE_TOO_LARGE';

/** GetGateConfig carries the whole deny list and revocations: far above grpc-js's 4 MiB default in a large city. */
export const maxReceiveMessageBytes = 16 * 1024 * 1024;

/** A gate's access token (client_credentials, scope `gate:<client>`), fetched or cached by the caller. */
export type TokenSource = () => Promise<string>;

type UnaryMethod<Q, R> = {
  readonly path: string;
  requestSerialize(value: Q): Buffer;
  responseDeserialize(value: Buffer): R;
};

/**
 * TransitService over gRPC with the gate's bearer token on every call; close() releases the channel. Built like
 * platform's promiseClient, which takes no channel options (needed here for the receive limit).
 */
export function grpcGateLink(address: string, tokenSource: TokenSource, options: { timeoutMs?: number } = {}): GateLink & { close(): void } {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': maxReceiveMessageBytes,
  });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const call = async <Q, R>(method: UnaryMethod<Q, R>, request: Q): Promise<R> => {
    const metadata = bearer(await tokenSource());
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(method.path, (value: Q) => method.requestSerialize(value), (bytes: Buffer) => method.responseDeserialize(bytes), request, metadata, { deadline }, (error, response) => {
        if (error) reject(linkErrorOf(error));
        else if (response === undefined) reject(new DomainError('unavailable', 'EMPTY_REPLY', `${method.path} answered nothing`));
        else resolve(response);
      });
    });
  };
  return {
    getGateConfig: (request) => call(TransitServiceService.getGateConfig, request),
    uploadTaps: (request) => call(TransitServiceService.uploadTaps, request),
    close: () => { client.close(); },
  };
}

/**
 * The server's DomainError when it sent one. A RESOURCE_EXHAUSTED without a citypass reason comes from gRPC itself
 * ("Received message larger than max", either side): MESSAGE_TOO_LARGE, so the uploader can send less.
 */
function linkErrorOf(error: grpc.ServiceError): DomainError | grpc.ServiceError {
  const mapped = domainErrorFromGrpc(error);
  // Only gRPC's own size refusal: a proxy's rate limit is also RESOURCE_EXHAUSTED, and must be backed off, not halved.
  if (mapped instanceof DomainError || error.code !== grpc.status.RESOURCE_EXHAUSTED || !/larger than max/i.test(error.details)) return mapped;
  return new DomainError('resource_exhausted', messageTooLargeReason, error.details, { cause: error });
}
