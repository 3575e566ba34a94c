// Calls to the ledger's database functions (store/ledger/*.sql) in PostgreSQL's named notation, built from typed
// objects: `wallet_capture_once(p_operation => $1, ..., p_amount_minor => $11, ...)`. No call site counts
// positions. Each function's arguments are built by one object literal, so its statement text never varies and
// it is prepared once per connection under the function's name.
import { outboxRow } from '@citypass/platform/outbox';
import { asBuffer, retryingAborts, type Queryable } from '@citypass/platform/pg';
import type {
  ChargeCall,
  HoldCapture,
  HoldRefund,
  HoldVoid,
  NewCharge,
  NewHold,
  OneStatementCall,
  OneStatementWrites,
  TopUp,
} from '../app/store.ts';
import { holdColumns, holdFromRow, type HoldRow } from './holds.ts';
import { approvalColumns } from './risk_decisions.ts';
import { asLedgerError } from './ledger_errors.ts';
import type { Hold } from '@citypass/proto/wallet/v1/wallet';

export type SqlValue = string | number | bigint | boolean | Date | Buffer | null;

export type LedgerFunction =
  | 'wallet_open_account'
  | 'wallet_top_up'
  | 'wallet_top_up_payer'
  | 'wallet_refund'
  | 'wallet_expire_holds'
  | 'wallet_claim'
  | 'wallet_authorize_once'
  | 'wallet_capture_once'
  | 'wallet_void_once'
  | 'wallet_charge_once'
  | 'wallet_authorize_many'
  | 'wallet_capture_many'
  | 'wallet_void_many'
  | 'wallet_charge_many';

/**
 * `SELECT <columns> FROM fn(p_a => $1, p_b => $2, ...) AS result` (a scalar result is the column `result`); refusals
 * the function raises become DomainErrors.
 */
export async function callLedger<Row extends object>(
  db: Queryable,
  fn: LedgerFunction,
  columns: string,
  args: Readonly<Record<`p_${string}`, SqlValue | readonly SqlValue[]>>,
): Promise<Row[]> {
  const names = Object.keys(args);
  const text = `SELECT ${columns} FROM ${fn}(${names.map((name, index) => `${name} => $${index + 1}`).join(', ')}) AS result`;
  try {
    return (await db.query<Row>({ name: fn, text, values: Object.values(args) })).rows;
  } catch (error) {
    throw asLedgerError(error);
  }
}

export type LedgerArgs = Readonly<Record<`p_${string}`, SqlValue>>;

/** Each hot write's arguments, one object literal per function (so its named-argument list never varies). */
export const oneStatementArgs = {
  authorize: (call: OneStatementCall, hold: NewHold): LedgerArgs => ({ ...claimArgs(call), ...authorizeArgs(hold) }),
  capture: (call: OneStatementCall, capture: HoldCapture): LedgerArgs => ({
    ...claimArgs(call),
    ...captureArgs(capture),
  }),
  void: (call: OneStatementCall, release: HoldVoid): LedgerArgs => ({ ...claimArgs(call), ...voidArgs(release) }),
  charge: (call: ChargeCall, charge: NewCharge): LedgerArgs => ({
    ...claimArgs(call),
    ...capturedEventArgs(call),
    ...chargeArgs(charge),
  }),
};

/** Each hot write on its own: one statement, its own transaction (the store batches them: ledger_batches.ts). */
export function oneStatementWrites(db: Queryable): OneStatementWrites {
  return {
    authorize: (call, hold) => once(db, 'wallet_authorize_once', oneStatementArgs.authorize(call, hold)),
    capture: (call, capture) => once(db, 'wallet_capture_once', oneStatementArgs.capture(call, capture)),
    void: (call, release) => once(db, 'wallet_void_once', oneStatementArgs.void(call, release)),
    charge: (call, charge) => once(db, 'wallet_charge_once', oneStatementArgs.charge(call, charge)),
  };
}

/** One hot write, its own transaction; again if PostgreSQL aborted it to break a deadlock (another instance's batch). */
async function once(db: Queryable, fn: LedgerFunction, args: LedgerArgs): Promise<Buffer> {
  const rows = await retryingAborts(() => callLedger<{ response: Buffer }>(db, fn, 'result AS response', args));
  const response = rows[0]?.response;
  if (response === undefined) throw new Error(`${fn} returned nothing`);
  return response;
}

/** The idempotency claim and the outbox row every one-statement function starts with. */
function claimArgs(call: OneStatementCall) {
  const event = outboxRow(call.event);
  return {
    p_operation: call.operation,
    p_key: call.key,
    p_request_hash: call.requestDigest,
    p_response: asBuffer(call.response),
    p_event_id: event.id,
    p_event_subject: event.subject,
    p_event_payload: event.payload,
    p_event_headers: event.headers,
  };
}

/** A charge's second outbox row: the capture's event. */
function capturedEventArgs(call: ChargeCall) {
  const event = outboxRow(call.capturedEvent);
  return {
    p_captured_event_id: event.id,
    p_captured_event_subject: event.subject,
    p_captured_event_payload: event.payload,
    p_captured_event_headers: event.headers,
  };
}

function chargeArgs(charge: NewCharge) {
  return {
    p_hold_id: charge.holdId,
    p_service: charge.service,
    p_resident_id: charge.residentId,
    p_credential_id: charge.credentialId,
    p_mandate_nonce: charge.mandateNonce,
    p_currency: charge.amount.currency,
    p_amount_minor: charge.amount.amountMinor,
    p_reference: charge.reference,
    p_now: charge.createdAt,
    p_velocity_per_minute: charge.risk.authorizationsPerMinute,
    p_daily_limit: charge.risk.dailyLimitMinor,
    p_credential_daily_limit: charge.risk.credentialDailyLimitMinor,
    p_transfer_id: charge.transferId,
    p_payee: charge.payee ?? null,
    p_payer: charge.payerShare?.payer ?? null,
    p_payer_amount_minor: charge.payerShare?.amountMinor ?? 0n,
    p_payer_transfer_id: charge.payerShare === undefined ? null : charge.payerTransferId,
    ...approvalColumns(charge.riskDecision),
  };
}

function authorizeArgs(hold: NewHold) {
  return {
    p_hold_id: hold.holdId,
    p_service: hold.service,
    p_resident_id: hold.residentId,
    p_credential_id: hold.credentialId,
    p_mandate_nonce: hold.mandateNonce,
    p_currency: hold.amount.currency,
    p_amount_minor: hold.amount.amountMinor,
    p_reference: hold.reference,
    p_now: hold.createdAt,
    p_expires_at: hold.expiresAt,
    p_velocity_per_minute: hold.risk.authorizationsPerMinute,
    p_daily_limit: hold.risk.dailyLimitMinor,
    p_credential_daily_limit: hold.risk.credentialDailyLimitMinor,
    p_payee: hold.payee ?? null,
    p_payer: hold.payerShare?.payer ?? null,
    p_payer_amount_minor: hold.payerShare?.amountMinor ?? 0n,
    ...approvalColumns(hold.riskDecision),
  };
}

function captureArgs(capture: HoldCapture) {
  return {
    p_hold_id: capture.holdId,
    p_service: capture.service,
    p_amount_minor: capture.amountMinor,
    p_transfer_id: capture.transferId,
    p_now: capture.now,
    p_payer_amount_minor: capture.payerAmountMinor,
    p_payer_transfer_id: capture.payerTransferId,
  };
}

function voidArgs(release: HoldVoid) {
  return { p_hold_id: release.holdId, p_service: release.service, p_now: release.now };
}

export async function refundHold(db: Queryable, refund: HoldRefund): Promise<Hold> {
  const rows = await callLedger<HoldRow>(db, 'wallet_refund', holdColumns, {
    p_hold_id: refund.holdId,
    p_service: refund.service,
    p_amount_minor: refund.amountMinor,
    p_transfer_id: refund.transferId,
    p_reason: refund.reason,
    p_now: refund.now,
    p_payer_amount_minor: refund.payerAmountMinor,
    p_payer_transfer_id: refund.payerTransferId,
  });
  const row = rows[0];
  if (row === undefined) throw new Error('wallet_refund returned no row');
  return holdFromRow(row);
}

/** Returns the balance of the account credited after the top-up, in minor units. */
export async function topUpAccount(db: Queryable, topUp: TopUp, newAccountId: string): Promise<bigint> {
  const common = {
    p_transfer_id: topUp.transferId,
    p_currency: topUp.amount.currency,
    p_amount_minor: topUp.amount.amountMinor,
    p_reference: topUp.reference,
    p_now: topUp.now,
  };
  const rows =
    'payer' in topUp.to
      ? await callLedger<{ credit_balance_after_minor: string }>(
          db,
          'wallet_top_up_payer',
          'credit_balance_after_minor',
          { ...common, p_payer: topUp.to.payer },
        )
      : await callLedger<{ credit_balance_after_minor: string }>(db, 'wallet_top_up', 'credit_balance_after_minor', {
          ...common,
          p_resident_id: topUp.to.residentId,
          p_new_account_id: newAccountId,
        });
  const row = rows[0];
  if (row === undefined) throw new Error('the top-up returned no row');
  return BigInt(row.credit_balance_after_minor);
}

/** The database's clock decides, so instances with skewed clocks agree on what is due. */
export async function expireDueHolds(db: Queryable, limit: number): Promise<Hold[]> {
  const text = `SELECT ${holdColumns} FROM wallet_expire_holds(p_now => now(), p_limit => $1) AS result`;
  return (await db.query<HoldRow>({ name: 'wallet_expire_holds', text, values: [limit] })).rows.map(holdFromRow);
}
