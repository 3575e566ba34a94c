// Seals secrets at rest (signing keys, client secrets, idempotent responses that carry a one-time secret) with
// AES-256-GCM under the key-encryption key from config. Layout: 12-byte nonce | ciphertext | 16-byte tag.
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class SecretBox {
  readonly #key: Buffer;

  constructor(keyBase64url: string) {
    this.#key = Buffer.from(keyBase64url, 'base64url');
    assert.equal(this.#key.length, 32, 'the key-encryption key must be 32 bytes (base64url)');
  }

  seal(plaintext: Uint8Array, context: string): Buffer {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([nonce, body, cipher.getAuthTag()]);
  }

  /** `context` must match the one used to seal: a sealed value cannot be moved to another row or purpose. */
  open(sealed: Uint8Array, context: string): Buffer {
    const data = Buffer.from(sealed);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, data.subarray(0, 12));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
  }
}
