import assert from 'node:assert/strict';
import { createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { generateKeyRingText, KeyRingError, parseKeyRing } from './key_ring.ts';

const key1 = randomBytes(32).toString('base64url');
const key2 = randomBytes(32).toString('base64url');
const context = 'bill_line:7f1c0d1e-0000-4000-8000-000000000001:description';

const codeOf = (run: () => unknown): string => {
  try {
    run();
    return 'no error';
  } catch (error) {
    return error instanceof KeyRingError ? error.code : `not a KeyRingError: ${String(error)}`;
  }
};

const messageOf = (run: () => unknown): string => {
  try {
    run();
    return 'no error';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
};

test('key ring - seals and opens text and bytes, the empty value included, with a fresh nonce each time', () => {
  const ring = parseKeyRing(`k1:${key1}`);
  assert.equal(ring.open(ring.seal('Consultation, 30 min', context), context).toString('utf8'), 'Consultation, 30 min');
  const bytes = Uint8Array.of(0, 1, 2, 255);
  assert.deepEqual([...ring.open(ring.seal(bytes, context), context)], [...bytes]);
  assert.equal(ring.open(ring.seal('', context), context).length, 0);
  assert.notDeepEqual(ring.seal('same', context), ring.seal('same', context));
});

test('key ring - the layout is version, key id length, key id, 12-byte nonce, ciphertext, 16-byte tag', () => {
  const ring = parseKeyRing(`k2:${key2},k1:${key1}`);
  const sealed = ring.seal('abc', context);
  assert.equal(sealed.length, 1 + 1 + 2 + 12 + 3 + 16);
  assert.equal(sealed[0], 1);
  assert.equal(sealed[1], 2);
  assert.equal(sealed.subarray(2, 4).toString('ascii'), 'k2');
  // Any AES-256-GCM implementation opens it with the header followed by the context as additional data.
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(key2, 'base64url'), sealed.subarray(4, 16));
  decipher.setAAD(Buffer.concat([sealed.subarray(0, 4), Buffer.from(context)]));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  const plaintext = Buffer.concat([decipher.update(sealed.subarray(16, sealed.length - 16)), decipher.final()]);
  assert.equal(plaintext.toString(), 'abc');
});

test('key ring - every single-bit flip anywhere in a sealed value is refused', () => {
  const ring = parseKeyRing(`k1:${key1},k2:${key2}`);
  const sealed = ring.seal('Consultation', context);
  for (let byte = 0; byte < sealed.length; byte++) {
    for (let bit = 0; bit < 8; bit++) {
      const altered = Buffer.from(sealed);
      altered[byte] = (altered[byte] ?? 0) ^ (1 << bit);
      const code = codeOf(() => ring.open(altered, context));
      assert.ok(code === 'SEALED_VALUE_INVALID' || code === 'KEY_UNKNOWN', `byte ${byte} bit ${bit}: ${code}`);
    }
  }
});

test('key ring - truncated values, another context and a key id changed to another held key are refused', () => {
  const ring = parseKeyRing(`k1:${key1},k2:${key2}`);
  const sealed = ring.seal('Consultation', context);
  for (let length = 0; length < sealed.length; length++) {
    assert.equal(
      codeOf(() => ring.open(sealed.subarray(0, length), context)),
      'SEALED_VALUE_INVALID',
      `length ${length}`,
    );
  }
  assert.equal(
    codeOf(() => ring.open(sealed, 'bill_line:7f1c0d1e-0000-4000-8000-000000000002:description')),
    'SEALED_VALUE_INVALID',
  );
  assert.equal(
    codeOf(() => ring.open(sealed, context.replace(':description', ':code'))),
    'SEALED_VALUE_INVALID',
  );
  const otherKeyId = Buffer.from(sealed);
  otherKeyId[3] = '2'.charCodeAt(0); // names k2, which the ring holds: the header is authenticated
  assert.equal(
    codeOf(() => ring.open(otherKeyId, context)),
    'SEALED_VALUE_INVALID',
  );
  const sameIdOtherKey = parseKeyRing(`k1:${key2}`);
  assert.equal(
    codeOf(() => sameIdOtherKey.open(sealed, context)),
    'SEALED_VALUE_INVALID',
  );
  assert.equal(
    messageOf(() => ring.open(sealed, 'wrong')),
    'the sealed value failed authentication: it was altered or sealed for another context',
  );
});

test('key ring - after rotation an old value opens and is rewrapped; with the old key removed it is refused', () => {
  const before = parseKeyRing(`k1:${key1}`);
  const old = before.seal('Physiotherapy', context);
  assert.equal(before.needsRewrap(old), false);

  const rotated = parseKeyRing(`k2:${key2},k1:${key1}`);
  assert.equal(rotated.activeKeyId, 'k2');
  assert.deepEqual(rotated.keyIds, ['k2', 'k1']);
  assert.equal(rotated.open(old, context).toString(), 'Physiotherapy');
  assert.equal(rotated.needsRewrap(old), true);
  const rewrapped = rotated.rewrap(old, context);
  assert.equal(rotated.keyIdOf(rewrapped), 'k2');
  assert.equal(rotated.needsRewrap(rewrapped), false);
  assert.equal(rotated.open(rewrapped, context).toString(), 'Physiotherapy');
  assert.equal(
    codeOf(() => rotated.rewrap(old, 'another context')),
    'SEALED_VALUE_INVALID',
  );

  const retired = parseKeyRing(`k2:${key2}`);
  assert.equal(retired.open(rewrapped, context).toString(), 'Physiotherapy');
  assert.equal(
    codeOf(() => retired.open(old, context)),
    'KEY_UNKNOWN',
  );
  assert.equal(
    messageOf(() => retired.open(old, context)),
    'the key ring holds no key "k1"',
  );
  assert.equal(
    codeOf(() => retired.needsRewrap(Buffer.of(9, 2))),
    'SEALED_VALUE_INVALID',
  );
});

test('key ring - parse errors: empty, bad or duplicate ids, wrong length, not base64url; all reported together', () => {
  const short = randomBytes(31).toString('base64url');
  const long = randomBytes(33).toString('base64url');
  const cases: [string, string][] = [
    ['', 'it holds no key'],
    ['  ', 'it holds no key'],
    [key1, 'entry 1 is not <key id>:<base64url key>'],
    [`k1:${key1},`, 'entry 2 is not <key id>:<base64url key>'],
    [`:${key1}`, 'entry 1: the key id must be 1-32 of A-Z a-z 0-9 _ -'],
    [`k 1:${key1}`, 'entry 1: the key id must be 1-32 of A-Z a-z 0-9 _ -'],
    [`${'k'.repeat(33)}:${key1}`, 'entry 1: the key id must be 1-32 of A-Z a-z 0-9 _ -'],
    [`k1:${key1},k1:${key2}`, 'entry 2: key id "k1" is listed twice'],
    [`k1:${short}`, 'entry 1: the key is 31 bytes, it must be 32'],
    [`k1:${long}`, 'entry 1: the key is 33 bytes, it must be 32'],
    [`k1:${key1.slice(0, 40)}+/=`, 'entry 1: the key is not base64url'],
    [`k1:`, 'entry 1: the key is not base64url'],
    [':', 'entry 1: the key id must be 1-32 of A-Z a-z 0-9 _ -, the key is not base64url'],
  ];
  for (const [text, problem] of cases) {
    assert.equal(
      messageOf(() => parseKeyRing(text)),
      `invalid key ring: ${problem}`,
      text,
    );
    assert.equal(
      codeOf(() => parseKeyRing(text)),
      'KEY_RING_INVALID',
    );
  }
  const all = messageOf(() => parseKeyRing(`k1:${short},${key2}:${key1},k1:${key2}`));
  assert.equal(
    all,
    'invalid key ring: entry 1: the key is 31 bytes, it must be 32; ' +
      'entry 2: the key id must be 1-32 of A-Z a-z 0-9 _ -; entry 3: key id "k1" is listed twice',
  );
  for (const secret of [short, key1, key2]) assert.ok(!all.includes(secret.slice(0, 8)), 'no key material');
});

test('key ring - spaces around entries are allowed, and the ring shows no key material when printed', () => {
  const ring = parseKeyRing(` k2 : ${key2} , k1:${key1} `);
  assert.deepEqual(ring.keyIds, ['k2', 'k1']);
  const printed = `${inspect(ring, { showHidden: true, depth: 5 })} ${JSON.stringify(ring)}`;
  for (const key of [key1, key2]) {
    assert.ok(!printed.includes(key), printed);
    assert.ok(!printed.includes(Buffer.from(key, 'base64url').toString('hex')), printed);
  }
});

test('key ring - generated ring texts parse, and each holds a new key', () => {
  const text = generateKeyRingText('dev-1');
  assert.match(text, /^dev-1:[A-Za-z0-9_-]{43}$/);
  const ring = parseKeyRing(text);
  assert.equal(ring.activeKeyId, 'dev-1');
  assert.equal(
    codeOf(() => parseKeyRing(generateKeyRingText()).open(ring.seal('x', context), context)),
    'KEY_UNKNOWN',
  );
  assert.notEqual(generateKeyRingText(), generateKeyRingText());
  assert.throws(() => generateKeyRingText('bad id'), assert.AssertionError);
});

test('key ring - a digest is keyed: equal values match under one key and purpose, differ under another, never a bare hash', () => {
  const ring = parseKeyRing(`k2:${key2},k1:${key1}`);
  const digest = ring.digest('GP-101', 'code');
  assert.equal(digest.length, 16);
  assert.deepEqual(ring.digest('GP-101', 'code', 'k2'), digest, 'the active key by default');
  assert.deepEqual(parseKeyRing(`k2:${key2}`).digest('GP-101', 'code'), digest, 'the same key, the same digest');
  assert.notDeepEqual(ring.digest('GP-102', 'code'), digest);
  assert.notDeepEqual(ring.digest('GP-101', 'code', 'k1'), digest, 'another key, another digest');
  assert.notDeepEqual(ring.digest('GP-101', 'note'), digest, 'another purpose, another digest');
  const bare = createHash('sha256').update('GP-101').digest().subarray(0, 16);
  assert.notDeepEqual(digest, bare, 'hashing the catalogue does not find it');
  assert.equal(
    codeOf(() => ring.digest('GP-101', 'code', 'k9')),
    'KEY_UNKNOWN',
  );
});
