// Operators add or replace code catalogue entries. Descriptions are sealed before they reach the store.
import type { PutCodesRequest, PutCodesResponse } from '@citypass/proto/health_billing/v1/health_billing';
import {
  PutCodesRequest as PutCodesMessage,
  PutCodesResponse as PutCodesAnswer,
} from '@citypass/proto/health_billing/v1/health_billing';
import { invalidArgument } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { healthBillingReasons } from '@citypass/contracts';
import { categoryName } from './categories.ts';
import { checkCode, checkMedicalText } from './medical_text.ts';
import type { HealthBillingStore, SealedCode, Sealer } from './store.ts';

const maxCodes = 1_000;
/** A line bills 1-100 of its code (bill_lines.quantity). */
const maxLineQuantity = 100;

export function descriptionContext(code: string): string {
  return `code:${code}:description`;
}

export async function putCodes(
  deps: { store: HealthBillingStore; sealer: Sealer; now: () => number },
  operator: string,
  request: PutCodesRequest,
): Promise<PutCodesResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  if (request.codes.length === 0 || request.codes.length > maxCodes)
    throw invalidArgument(healthBillingReasons.ENTRIES_INVALID, `codes must hold 1-${maxCodes} entries`);
  const seen = new Set<string>();
  const entries: SealedCode[] = request.codes.map((entry, index) => {
    const code = checkCode(entry.code, `codes[${index}].code`);
    if (seen.has(code)) throw invalidArgument(healthBillingReasons.CODE_INVALID, `codes[${index}].code is repeated`);
    seen.add(code);
    const description = checkMedicalText(entry.description, `codes[${index}].description`, 256);
    if (entry.maxQuantity > maxLineQuantity)
      throw invalidArgument(
        healthBillingReasons.QUANTITY_INVALID,
        `codes[${index}].max_quantity must be 0 (no maximum) to ${maxLineQuantity}`,
      );
    return {
      code,
      category: categoryName(entry.category),
      descriptionSealed: deps.sealer.seal(description, descriptionContext(code)),
      maxQuantity: entry.maxQuantity,
    };
  });
  const operation = `${operator}:put_codes`;
  const requestBytes = PutCodesMessage.encode({ ...request, idempotencyKey: '' }).finish();
  return deps.store.transaction(async (tx) => {
    const first = await tx.claim(operation, key, requestBytes);
    if (first !== undefined) return PutCodesAnswer.decode(first);
    await tx.codes.put(entries, deps.now());
    const response: PutCodesResponse = { codes: entries.length };
    await tx.remember(operation, key, PutCodesAnswer.encode(response).finish());
    return response;
  });
}
