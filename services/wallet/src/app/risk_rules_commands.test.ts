import assert from 'node:assert/strict';
import test from 'node:test';
import { DomainError } from '@citypass/platform/errors';
import type { ShadowReport } from '@citypass/risk';
import { checkPromotion } from './risk_rules_commands.ts';
import { sumShadowReports } from './risk_rule_sets.ts';

const tally = (counts: Partial<ShadowReport>): ShadowReport => ({
  ...sumShadowReports('next', []),
  ...counts,
});
const limits = { minDecisions: 100, maxDeclineShare: 0.05 };

function refusal(report: ShadowReport): string {
  try {
    checkPromotion(report, limits);
  } catch (error) {
    assert.ok(error instanceof DomainError);
    return `${error.kind}:${error.reason}`;
  }
  return 'promoted';
}

test('promotion - too few decisions, all declined, and the would-decline share at and past its limit', () => {
  assert.equal(refusal(tally({ decisions: 0 })), 'failed_precondition:RISK_SHADOW_TOO_FEW_DECISIONS');
  assert.equal(refusal(tally({ decisions: 99, same: 99 })), 'failed_precondition:RISK_SHADOW_TOO_FEW_DECISIONS');
  assert.equal(
    refusal(tally({ decisions: 3, candidateDeclines: 3, wouldDecline: 3 })),
    'failed_precondition:RISK_SHADOW_DECLINES_TOO_MANY',
    'declining all it saw is refused as such, however few',
  );
  assert.equal(refusal(tally({ decisions: 100, same: 95, wouldDecline: 5 })), 'promoted', '5 of 100 is the limit');
  assert.equal(
    refusal(tally({ decisions: 100, same: 94, wouldDecline: 6 })),
    'failed_precondition:RISK_SHADOW_DECLINES_TOO_MANY',
  );
});

test('promotion - the instances tallies add up, would-be declines by rule too', () => {
  const one = tally({ decisions: 3, same: 2, wouldDecline: 1, wouldDeclineByRule: { score: 1 } });
  const other = tally({ decisions: 4, same: 2, wouldDecline: 2, wouldDeclineByRule: { blocked: 1, score: 1 } });
  assert.deepEqual(sumShadowReports('next', [one, other]), {
    ...tally({ decisions: 7, same: 4, wouldDecline: 3 }),
    wouldDeclineByRule: { blocked: 1, score: 2 },
  });
});
