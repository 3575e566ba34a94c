// A stored correction on the wire: ids, money and states only (its reason stays sealed).
import {
  BillCorrectionKind,
  RefundState as WireRefundState,
  type BillCorrection,
} from '@citypass/proto/health_billing/v1/health_billing';
import type { CorrectionKind, CorrectionRecord, RefundState } from './store.ts';

const kinds: Record<CorrectionKind, BillCorrectionKind> = {
  correct: BillCorrectionKind.BILL_CORRECTION_KIND_CORRECT,
  void: BillCorrectionKind.BILL_CORRECTION_KIND_VOID,
  replace: BillCorrectionKind.BILL_CORRECTION_KIND_REPLACE,
};

const refundStates: Record<RefundState, WireRefundState> = {
  none: WireRefundState.REFUND_STATE_NONE,
  pending: WireRefundState.REFUND_STATE_PENDING,
  refunded: WireRefundState.REFUND_STATE_REFUNDED,
  refused: WireRefundState.REFUND_STATE_REFUSED,
};

export function correctionWireOf(correction: CorrectionRecord): BillCorrection {
  return {
    correctionId: correction.correctionId,
    billId: correction.billId,
    kind: kinds[correction.kind],
    cancelledLineIds: [...correction.cancelledLineIds],
    repricedLineIds: [...correction.repricedLineIds],
    patientRefundMinor: correction.patientRefundMinor,
    planRefundMinor: correction.planRefundMinor,
    writtenOffDeltaMinor: correction.writtenOffDeltaMinor,
    refundState: refundStates[correction.refundState],
    correctedAt: new Date(correction.correctedAtMs),
  };
}
