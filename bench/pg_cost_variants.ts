// What bench/pg_cost.ts takes away from the wallet's schema, one thing at a time, to see what each costs the
// database per charge. Every variant runs on a database of its own; the difference to the baseline is the part's
// cost. None of these is a schema to run: they remove guarantees on purpose, to price them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ledgerFunctionsDir } from '../services/wallet/src/store/schema.ts';

export interface Variant {
  readonly name: string;
  /** The part of a charge's cost that the variant removes (its difference to the baseline). */
  readonly part: string;
  /** Applied after the wallet's schema. */
  readonly sql?: string;
  /** How each charge is sent: its own statement (autocommit), or inside BEGIN ... COMMIT / ROLLBACK. */
  readonly ending?: 'autocommit' | 'commit' | 'rollback';
  /** Every worker charges for a merchant of its own: no row shared between concurrent charges. */
  readonly merchantPerWorker?: boolean;
  /** The wallet's group commit (store/ledger_batches.ts) with at most this many charges per transaction. */
  readonly batch?: number;
  /** Each charge sent as an authorize and then a capture of its hold (per charge: per pair). */
  readonly pairs?: boolean;
  /** Charges sent without the risk engine's approval, as the wallet sends them with scoring off (WALLET_RISK=off). */
  readonly unscored?: boolean;
}

/**
 * The wallet's `wallet_<kind>_many` as it is, less the block (the subtransaction) around each item: what the
 * subtransaction per item costs. Every item of the bench commits, so no item needs it there.
 */
function withoutSubtransactions(kind: string): string {
  const text = readFileSync(join(ledgerFunctionsDir, `${kind}_many.sql`), 'utf8');
  const stripped = text
    .replace(/^CREATE FUNCTION/m, 'CREATE OR REPLACE FUNCTION')
    .replace(/\n {4}BEGIN\n/, '\n')
    .replace(/ {4}EXCEPTION WHEN OTHERS THEN[\s\S]*?\n {4}END;\n/, '');
  if (stripped.includes('EXCEPTION')) throw new Error(`${kind}_many.sql: no block per item to take away`);
  return stripped;
}

const foreignKeys = `
ALTER TABLE holds DROP CONSTRAINT holds_resident_account_id_currency_fkey,
                  DROP CONSTRAINT holds_merchant_account_id_currency_fkey,
                  DROP CONSTRAINT holds_payer_account_fkey;
ALTER TABLE transfers DROP CONSTRAINT transfers_debit_account_id_currency_fkey,
                      DROP CONSTRAINT transfers_credit_account_id_currency_fkey,
                      DROP CONSTRAINT transfers_hold_id_fkey;`;

const spendWithoutCredentialRow = `
CREATE OR REPLACE FUNCTION wallet_spend(
  p_resident accounts, p_credential_id text, p_amount_minor bigint, p_now timestamptz,
  p_velocity_per_minute integer, p_daily_limit bigint, p_credential_daily_limit bigint,
  OUT velocity_window_start timestamptz, OUT velocity_count integer, OUT spend_day date, OUT spend_day_minor bigint
) LANGUAGE plpgsql AS $$
BEGIN
  spend_day := (p_now AT TIME ZONE 'UTC')::date;
  velocity_window_start := p_now;
  velocity_count := 1;
  spend_day_minor := p_amount_minor;
END $$;`;

export const variants: readonly Variant[] = [
  { name: 'baseline', part: '(everything)' },
  { name: 'explicit_commit', part: '(BEGIN/COMMIT round trips)', ending: 'commit' },
  { name: 'explicit_rollback', part: 'commit (WAL flush) vs explicit_commit', ending: 'rollback' },
  { name: 'no_foreign_keys', part: 'foreign key checks (RI triggers)', sql: foreignKeys },
  {
    name: 'no_secondary_indexes',
    part: 'secondary index maintenance',
    sql: `DROP INDEX holds_pending_by_expiry, holds_by_service, transfers_by_debit, transfers_by_credit,
                     transfers_one_top_up_per_reference, outbox_unpublished;`,
  },
  {
    name: 'no_outbox_rows',
    part: 'outbox inserts (2 rows)',
    sql: `CREATE OR REPLACE FUNCTION wallet_outbox_many(
            p_written boolean[], p_id uuid[], p_subject text[], p_payload bytea[], p_headers jsonb[]
          ) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$;`,
  },
  {
    name: 'no_idempotency_row',
    part: 'idempotency claim (insert)',
    sql: `CREATE OR REPLACE FUNCTION wallet_claim(p_operation text, p_key text, p_request_hash bytea, p_response bytea)
          RETURNS bytea LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;`,
  },
  { name: 'no_risk_counters', part: 'risk checks (credential_spend upsert)', sql: spendWithoutCredentialRow },
  { name: 'merchant_per_worker', part: 'the shared merchant row (contention)', merchantPerWorker: true },
  { name: 'group_commit', part: '(added) concurrent charges committed together, up to 32 a transaction', batch: 32 },
  {
    name: 'group_commit_unscored',
    part: 'the risk decision row (group_commit minus this)',
    batch: 32,
    unscored: true,
  },
  {
    name: 'group_commit_no_subtransactions',
    part: 'the subtransaction per item (group_commit minus this)',
    batch: 32,
    sql: withoutSubtransactions('charge'),
  },
  {
    name: 'group_commit_pairs',
    part: '(added) authorize then capture instead of one charge, each batched, up to 32 a transaction',
    batch: 32,
    pairs: true,
  },
  {
    name: 'group_commit_pairs_no_subtransactions',
    part: 'the subtransaction per item of authorize and capture (group_commit_pairs minus this)',
    batch: 32,
    pairs: true,
    sql: withoutSubtransactions('authorize') + withoutSubtransactions('capture'),
  },
];
