import assert from 'node:assert/strict';
import test from 'node:test';
import { checkBillLine, peerLinesFloor, peerRatio, quantityOverMaximum } from './clinic_checks.ts';

const xray = { serviceCode: 'XRAY', quantity: 1, catalogueMaxQuantity: 2 };
const quiet = { sameDayLines: 0, clinicCodeLines: 1, peerCodeLinesPerClinic: 1 };

test('clinic checks - an ordinary line has no finding', () => {
  assert.deepEqual(checkBillLine(xray, quiet), { findings: [], quantityOverMaximum: 0, peerRatio: 1 });
});

test('clinic checks - the same service for the same patient earlier the same day', () => {
  assert.deepEqual(checkBillLine(xray, { ...quiet, sameDayLines: 1 }).findings, ['CLINIC_DUPLICATE_SAME_DAY']);
});

test('clinic checks - quantity above the catalogue maximum, and exactly at it', () => {
  assert.equal(quantityOverMaximum({ ...xray, quantity: 2 }), 0);
  const over = checkBillLine({ ...xray, quantity: 5 }, quiet);
  assert.deepEqual(over.findings, ['CLINIC_QUANTITY_OVER_MAXIMUM']);
  assert.equal(over.quantityOverMaximum, 3);
});

test('clinic checks - a clinic far above its peers for a code, at the edges of the limits', () => {
  const atRatio = checkBillLine(xray, { ...quiet, clinicCodeLines: 10, peerCodeLinesPerClinic: 1 });
  assert.deepEqual(atRatio.findings, [], 'ten times the peers is not more than ten times');
  const above = checkBillLine(xray, { ...quiet, clinicCodeLines: 11, peerCodeLinesPerClinic: 1 });
  assert.deepEqual(above.findings, ['CLINIC_CODE_ABOVE_PEERS']);
  assert.equal(above.peerRatio, 11);
  const few = checkBillLine(xray, { ...quiet, clinicCodeLines: 2, peerCodeLinesPerClinic: 0 });
  assert.deepEqual(few.findings, [], 'two lines are chance whatever the peers bill');
  const three = checkBillLine(xray, { ...quiet, clinicCodeLines: 3, peerCodeLinesPerClinic: 0 });
  assert.deepEqual(three.findings, ['CLINIC_CODE_ABOVE_PEERS']);
  assert.equal(three.peerRatio, 3 / peerLinesFloor);
  const relaxed = checkBillLine(
    xray,
    { ...quiet, clinicCodeLines: 3, peerCodeLinesPerClinic: 0 },
    {
      minimumClinicCodeLines: 4,
      maxPeerRatio: 10,
    },
  );
  assert.deepEqual(relaxed.findings, []);
});

test('clinic checks - every finding at once, in a stable order', () => {
  const all = checkBillLine(
    { ...xray, quantity: 3 },
    { sameDayLines: 2, clinicCodeLines: 30, peerCodeLinesPerClinic: 0.5 },
  );
  assert.deepEqual(all.findings, [
    'CLINIC_DUPLICATE_SAME_DAY',
    'CLINIC_QUANTITY_OVER_MAXIMUM',
    'CLINIC_CODE_ABOVE_PEERS',
  ]);
  assert.equal(peerRatio(30, 0.5), 60);
});
