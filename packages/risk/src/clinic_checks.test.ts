import assert from 'node:assert/strict';
import test from 'node:test';
import {
  checkBillLine,
  compareWithPeers,
  defaultPeerLimits,
  peerLimitsProblems,
  peerLinesFloor,
  peerRatio,
  quantityOverMaximum,
} from './clinic_checks.ts';

const xray = { serviceCode: 'XRAY', quantity: 1, catalogueMaxQuantity: 2 };
const quiet = { sameDayLines: 0, dayQuantityBefore: 0 };

test('clinic checks - an ordinary line has no finding', () => {
  assert.deepEqual(checkBillLine(xray, quiet), { findings: [], quantityOverMaximum: 0 });
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

test("clinic checks - the day's quantity split over lines or bills counts against the maximum, at it it passes", () => {
  const lab = { serviceCode: 'LAB', quantity: 2, catalogueMaxQuantity: 3 };
  assert.deepEqual(checkBillLine(lab, { ...quiet, dayQuantityBefore: 2 }).findings, [
    'CLINIC_DAY_QUANTITY_OVER_MAXIMUM',
  ]);
  assert.deepEqual(checkBillLine(lab, { ...quiet, dayQuantityBefore: 1 }).findings, []);
  assert.deepEqual(
    checkBillLine({ ...lab, quantity: 4 }, { ...quiet, dayQuantityBefore: 2 }).findings,
    ['CLINIC_QUANTITY_OVER_MAXIMUM'],
    'a line over the maximum by itself is that finding alone',
  );
});

test('clinic checks - every refusing finding at once, in a stable order', () => {
  const all = checkBillLine({ ...xray, quantity: 3 }, { sameDayLines: 2, dayQuantityBefore: 0 });
  assert.deepEqual(all.findings, ['CLINIC_DUPLICATE_SAME_DAY', 'CLINIC_QUANTITY_OVER_MAXIMUM']);
  assert.equal(peerRatio(30, 0.5), 60);
  assert.equal(peerRatio(3, 0), 3 / peerLinesFloor);
});

const peers = [30, 30, 31, 32, 33];

test('clinic checks - peers: far above the median and its robust spread is above; at the peers it is not', () => {
  const far = compareWithPeers(200, peers);
  assert.deepEqual(far, {
    judged: true,
    abovePeers: true,
    clinicLines: 200,
    peers: 5,
    peersMedian: 31,
    threshold: 31 * 3,
  });
  assert.equal(compareWithPeers(31, peers).abovePeers, false);
  assert.equal(compareWithPeers(93, peers).abovePeers, false, 'at the threshold is not above it');
  assert.equal(compareWithPeers(94, peers).abovePeers, true);
  // A wide spread raises the threshold above the ratio's.
  const wide = compareWithPeers(100, [10, 20, 30, 40, 50]);
  assert.equal(wide.threshold, 30 + 5 * 1.4826 * 10);
  assert.equal(wide.abovePeers, false);
});

test('clinic checks - peers: too few peers or too few lines are not judged', () => {
  const fewPeers = compareWithPeers(500, peers.slice(0, 4));
  assert.equal(fewPeers.judged, false);
  assert.equal(fewPeers.abovePeers, false);
  assert.equal(compareWithPeers(19, [1, 1, 1, 1, 1]).abovePeers, false, 'below the minimum lines');
  assert.equal(compareWithPeers(20, [1, 1, 1, 1, 1]).abovePeers, true);
  assert.equal(compareWithPeers(40, [1, 1, 2, 2], { ...defaultPeerLimits, minimumPeers: 4 }).peersMedian, 1.5);
});

test('clinic checks - peer limits: the defaults are valid, every problem is reported at once', () => {
  assert.deepEqual(peerLimitsProblems(defaultPeerLimits), []);
  assert.deepEqual(
    peerLimitsProblems({
      windowDays: 0,
      minimumPeers: 1,
      minimumClinicLines: 2.5,
      spreadMultiple: Number.NaN,
      minimumRatio: 0.5,
    }),
    [
      'windowDays must be an integer from 1 to 366',
      'minimumPeers must be an integer from 2 to 10000',
      'minimumClinicLines must be an integer from 1 to 1000000',
      'spreadMultiple must be from 1 to 100',
      'minimumRatio must be from 1 to 100',
    ],
  );
});
