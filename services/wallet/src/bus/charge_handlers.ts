// The city's own services charge over NATS request/reply (wallet.v1.authorize|capture|void|refund|charge) with the
// caller's deadline; the payloads are the gRPC messages and the same application code runs. The caller's
// access token travels in the `Authorization: Bearer` header. A suspended service is refused as on gRPC: only its
// voids and refunds are taken (app/callers.ts says why).
import type { NatsConnection } from '@nats-io/transport-node';
import { walletReasons, walletRequestSubjects } from '@citypass/contracts';
import {
  AuthorizeRequest,
  AuthorizeResponse,
  CaptureRequest,
  CaptureResponse,
  ChargeRequest,
  ChargeResponse,
  RefundRequest,
  RefundResponse,
  VoidRequest,
  VoidResponse,
} from '@citypass/proto/wallet/v1/wallet';
import type { AccessTokenVerifier, WhileSuspended } from '@citypass/credential';
import { serve, type RequestContext } from '@citypass/platform/bus';
import { invalidArgument, unauthenticated } from '@citypass/platform/errors';
import { checkFieldLengths } from '@citypass/platform/field_limits';
import { encodeMessage, type MessageEncoder } from '@citypass/platform/protobuf';
import type { Logger } from '@citypass/platform/log';
import { authorize } from '../app/authorize.ts';
import { callerFor, type Verb } from '../app/callers.ts';
import type { Caller, WalletDeps } from '../app/deps.ts';
import { walletFieldLimits } from '../app/field_limits.ts';
import { capture } from '../app/capture.ts';
import { charge } from '../app/charge.ts';
import { refund } from '../app/refund.ts';
import { voidHold } from '../app/void_hold.ts';
import { commonReasons } from '@citypass/platform/reasons';

const queue = 'wallet';
const maxPayloadBytes = 16 * 1024;

interface Codec<Q, R> extends MessageEncoder<R> {
  decode(bytes: Uint8Array): Q;
}

export function serveCharges(
  nc: NatsConnection,
  deps: WalletDeps,
  tokens: AccessTokenVerifier,
  logger: Logger,
): { stop(): Promise<void> } {
  const handler =
    <Q, R>(
      request: Codec<Q, unknown>,
      response: Codec<unknown, R>,
      run: (caller: Caller, message: Q, deadlineMs: number) => Promise<R>,
      verb: Verb = 'charge',
      whileSuspended: WhileSuspended = 'refused',
    ) =>
    async (payload: Uint8Array, context: RequestContext): Promise<Uint8Array> => {
      const caller = callerFor(deps.suspensions, await tokens.verify(bearerOf(context)), [verb], whileSuspended);
      let message: Q;
      try {
        message = request.decode(payload);
      } catch {
        throw invalidArgument(walletReasons.PAYLOAD_MALFORMED, 'the payload is not the expected protobuf message');
      }
      // The same bounds as the gRPC edge, before the command reads anything.
      checkFieldLengths(message, walletFieldLimits);
      return encodeMessage(response, await run(caller, message, context.deadlineMs));
    };
  const servers = [
    serve(nc, walletRequestSubjects.authorize, {
      queue,
      logger,
      maxPayloadBytes,
      handler: handler(AuthorizeRequest, AuthorizeResponse, (caller, m, deadlineMs) =>
        authorize(deps, caller, m, deadlineMs),
      ),
    }),
    serve(nc, walletRequestSubjects.capture, {
      queue,
      logger,
      maxPayloadBytes,
      handler: handler(CaptureRequest, CaptureResponse, (caller, m, deadlineMs) =>
        capture(deps, caller, m, deadlineMs),
      ),
    }),
    serve(nc, walletRequestSubjects.charge, {
      queue,
      logger,
      maxPayloadBytes,
      handler: handler(ChargeRequest, ChargeResponse, (caller, m, deadlineMs) => charge(deps, caller, m, deadlineMs)),
    }),
    serve(nc, walletRequestSubjects.void, {
      queue,
      logger,
      maxPayloadBytes,
      handler: handler(
        VoidRequest,
        VoidResponse,
        (caller, m, deadlineMs) => voidHold(deps, caller, m, deadlineMs),
        'charge',
        'gives_back',
      ),
    }),
    serve(nc, walletRequestSubjects.refund, {
      queue,
      logger,
      maxPayloadBytes,
      handler: handler(RefundRequest, RefundResponse, (caller, m) => refund(deps, caller, m), 'refund', 'gives_back'),
    }),
  ];
  return {
    async stop() {
      await Promise.all(servers.map((server) => server.stop()));
    },
  };
}

function bearerOf(context: RequestContext): string {
  const header = context.headers?.get('Authorization') ?? '';
  if (!header.startsWith('Bearer '))
    throw unauthenticated(commonReasons.TOKEN_MISSING, 'an Authorization: Bearer header is required');
  return header.slice(7).trim();
}
