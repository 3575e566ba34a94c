// Resident passwords: argon2id (memory-hard, node:crypto), stored as a PHC string.
import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { invalidArgument } from '@citypass/platform/errors';
import { identityReasons } from '@citypass/contracts';

const argon2Async = promisify(argon2);
// OWASP's recommended minimum for argon2id: 19 MiB, 2 passes, 1 lane.
const parameters = { memory: 19_456, passes: 2, parallelism: 1, tagLength: 32 } as const;

export function checkPasswordPolicy(password: string): string {
  if (password.length < 10 || password.length > 128) {
    throw invalidArgument(identityReasons.PASSWORD_POLICY, 'password must be 10 to 128 characters');
  }
  return password;
}

export async function hashPassword(password: string): Promise<string> {
  const nonce = randomBytes(16);
  const tag = await argon2Async('argon2id', { message: password, nonce, ...parameters });
  const { memory, passes, parallelism } = parameters;
  return `$argon2id$v=19$m=${memory},t=${passes},p=${parallelism}$${nonce.toString('base64url')}$${tag.toString('base64url')}`;
}

export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/.exec(phc);
  if (match === null) return false;
  const [, memory, passes, parallelism, nonce, expected] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const expectedTag = Buffer.from(expected, 'base64url');
  const tag = await argon2Async('argon2id', {
    message: password,
    nonce: Buffer.from(nonce, 'base64url'),
    memory: Number(memory),
    passes: Number(passes),
    parallelism: Number(parallelism),
    tagLength: expectedTag.length,
  });
  return timingSafeEqual(tag, expectedTag);
}

/** Spends the same time as a real check, so unknown accounts cannot be told apart by timing. */
let dummyHash: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword('citypass-dummy-password');
  await verifyPassword(password, await dummyHash);
}
