import assert from 'node:assert/strict';
import { sign, verify } from 'node:crypto';
import { test } from 'node:test';
import { derToP1363, p1363ToDer } from './ecdsa_der.ts';
import { newKeyPair } from './test_fixtures.ts';

const key = newKeyPair();

test('ecdsa der - conversions agree with node:crypto both ways on 2,000 signatures', () => {
  let shortScalars = 0;
  for (let index = 0; index < 2_000; index += 1) {
    const data = Buffer.from(`message ${index}`);
    const der = sign('sha256', data, key.privateKey);
    const p1363 = sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    assert.ok(verify('sha256', data, { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, derToP1363(der)));
    assert.ok(verify('sha256', data, key.publicKey, p1363ToDer(p1363)));
    assert.deepEqual(p1363ToDer(derToP1363(der)), der);
    if (p1363[0] === 0 || p1363[32] === 0) shortScalars += 1;
  }
  assert.ok(shortScalars > 0, 'some scalars with a leading zero byte were exercised');
});

test('ecdsa der - minimal integers: leading zeros stripped, a zero byte before a high bit', () => {
  const p1363 = Buffer.alloc(64);
  p1363[31] = 0x01;
  p1363[32] = 0x80;
  assert.deepEqual([...p1363ToDer(p1363)], [0x30, 0x26, 0x02, 0x01, 0x01, 0x02, 0x21, 0x00, 0x80, ...Buffer.alloc(31)]);
  assert.deepEqual([...p1363ToDer(Buffer.alloc(64))], [0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]);
  assert.deepEqual(derToP1363(p1363ToDer(p1363)), p1363);
});

test('ecdsa der - an all-zero signature converts but never verifies', () => {
  assert.equal(verify('sha256', Buffer.from('x'), key.publicKey, p1363ToDer(Buffer.alloc(64))), false);
});
