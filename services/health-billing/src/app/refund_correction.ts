// The wallet side of a committed correction: one refund on the bill's captured split hold, the patient's leg and the
// plan's, under the correction's own key (refund:<correction id>), so a repeat (the request's, the sweeper's, after
// a crash between the commit and the call) gets the wallet's first answer and never refunds twice. The wallet is
// told no medical reason, only which correction it is. Retryable failures leave the refund pending for the sweeper.
import { isRetryable } from './settle_bill.ts';
import type { CorrectionRecord, RefundState } from './store.ts';
import type { VisitDeps } from './visit_deps.ts';

export async function refundCorrection(deps: VisitDeps, correctionId: string): Promise<RefundState> {
  const correction = await deps.store.corrections.get(correctionId);
  if (correction === undefined) throw new Error(`refundCorrection: no correction ${correctionId}`);
  if (correction.refundState !== 'pending') return correction.refundState;
  const bill = await deps.store.bills.get(correction.billId);
  const holdId = bill?.holdId;
  if (holdId === undefined || correction.walletKey === undefined)
    throw new Error('refundCorrection: a pending refund needs the bill hold and its wallet key');
  try {
    await deps.wallet.refund({
      key: correction.walletKey,
      holdId,
      patientMinor: correction.patientRefundMinor,
      planMinor: correction.planRefundMinor,
      reason: `bill correction ${correction.correctionId}`,
    });
  } catch (error) {
    const state = isRetryable(error) ? 'attempted' : 'refused';
    await deps.store.corrections.setRefundState(correctionId, state, deps.now());
    if (state === 'refused')
      deps.logger.error('the wallet refused a correction refund: an operator must look', { correctionId, error });
    else deps.logger.warn('a correction refund is not confirmed yet; the sweeper repeats it', { correctionId, error });
    return state === 'refused' ? 'refused' : 'pending';
  }
  await deps.store.corrections.setRefundState(correctionId, 'refunded', deps.now());
  return 'refunded';
}

/** The committed correction, its refund tried once now when it is still pending. */
export async function withRefundTried(deps: VisitDeps, correction: CorrectionRecord): Promise<CorrectionRecord> {
  if (correction.refundState !== 'pending') return correction;
  return { ...correction, refundState: await refundCorrection(deps, correction.correctionId) };
}
