// What the application commands need, built once in main.ts.
import type { Idempotency } from '@citypass/platform/idempotency';
import type { Logger } from '@citypass/platform/log';
import type { Pool } from '@citypass/platform/pg';
import type { KeySet } from '../store/signing_keys.ts';
import type { SecretBox } from '../store/secret_box.ts';

export interface IdentityDeps {
  readonly pool: Pool;
  readonly box: SecretBox;
  /** Stored responses are sealed with `box`: some carry a one-time secret. */
  readonly idempotency: Idempotency;
  readonly logger: Logger;
  readonly issuer: string;
  readonly credentialTtlMs: number;
  readonly enrollmentCodeTtlMs: number;
  /** The current keys; replaced on rotation. */
  readonly keys: () => KeySet;
  readonly now: () => number;
}
