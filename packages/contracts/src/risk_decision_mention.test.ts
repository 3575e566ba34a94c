import assert from 'node:assert/strict';
import test from 'node:test';
import { riskDecisionIdIn, riskDecisionMention } from './risk_decision_mention.ts';

test('risk decision mention - the id a message names is read back; a message naming none gives none', () => {
  const id = '0b4a6f1e-5c2d-4e8f-9a1b-2c3d4e5f6a7b';
  assert.equal(riskDecisionIdIn(`declined by the risk rules (rule score, ${riskDecisionMention(id)})`), id);
  assert.equal(riskDecisionIdIn('not enough funds'), undefined);
  assert.equal(riskDecisionIdIn('risk decision not-a-uuid'), undefined);
});
