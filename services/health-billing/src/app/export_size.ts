// An export travels in one gRPC answer (at most 1 MiB by default, platform grpc.ts). The Bundle of a bill with many
// lines can be larger (a 200-line bill with long codes and large amounts is about 1.2 MB): it is refused with the
// platform's MESSAGE_TOO_LARGE before anything is recorded, and its resources can be exported one by one (the
// largest, an ExplanationOfBenefit of 200 lines, stays under half of the limit).
import { DomainError } from '@citypass/platform/errors';
import { commonReasons } from '@citypass/platform/reasons';

/** Room left in a 1 MiB answer for the message's framing. */
export const maxExportBytes = 1_000_000;

export function checkedExport(json: string): string {
  if (Buffer.byteLength(json, 'utf8') > maxExportBytes)
    throw new DomainError(
      'resource_exhausted',
      commonReasons.MESSAGE_TOO_LARGE,
      `the export is larger than ${maxExportBytes} bytes: export the bill's resources one by one`,
    );
  return json;
}
