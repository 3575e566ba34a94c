// Operator accounts: people who sign in to the console.
import type { Queryable } from '@citypass/platform/pg';

export interface OperatorRow {
  readonly username: string;
  readonly roles: readonly string[];
  /** '' when not scoped to a merchant. */
  readonly merchant: string;
  /** '' when not scoped to a department. */
  readonly department: string;
  readonly disabled: boolean;
  readonly createdAt: Date;
}

interface Row {
  username: string;
  roles: string[];
  merchant: string | null;
  department: string | null;
  disabled: boolean;
  created_at: Date;
}

const columns = 'username, roles, merchant, department, disabled, created_at';

const toOperator = (row: Row): OperatorRow => ({
  username: row.username,
  roles: row.roles,
  merchant: row.merchant ?? '',
  department: row.department ?? '',
  disabled: row.disabled,
  createdAt: row.created_at,
});

/** The new operator, or undefined when the username is taken. */
export async function insertOperator(
  db: Queryable,
  operator: {
    username: string;
    passwordHash: string;
    roles: readonly string[];
    merchant: string;
    department: string;
  },
): Promise<OperatorRow | undefined> {
  const { rows } = await db.query<Row>(
    `INSERT INTO operators (username, password_hash, roles, merchant, department)
     VALUES ($1, $2, $3, NULLIF($4, ''), NULLIF($5, ''))
     ON CONFLICT (username) DO NOTHING RETURNING ${columns}`,
    [operator.username, operator.passwordHash, operator.roles, operator.merchant, operator.department],
  );
  return rows[0] === undefined ? undefined : toOperator(rows[0]);
}

export async function findOperator(
  db: Queryable,
  username: string,
  options: { forUpdate?: boolean } = {},
): Promise<OperatorRow | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${columns} FROM operators WHERE username = $1${options.forUpdate === true ? ' FOR UPDATE' : ''}`,
    [username],
  );
  return rows[0] === undefined ? undefined : toOperator(rows[0]);
}

/** Sets the operator's scope ('' in a dimension: not scoped in it); the operator after, or undefined if none. */
export async function updateOperatorScope(
  db: Queryable,
  username: string,
  scope: { merchant: string; department: string },
): Promise<OperatorRow | undefined> {
  const { rows } = await db.query<Row>(
    `UPDATE operators SET merchant = NULLIF($2, ''), department = NULLIF($3, '')
     WHERE username = $1 RETURNING ${columns}`,
    [username, scope.merchant, scope.department],
  );
  return rows[0] === undefined ? undefined : toOperator(rows[0]);
}

/** Locks the operator's row for the transaction: their password hash, lock and whether disabled. */
export async function lockOperatorPasswordState(
  db: Queryable,
  username: string,
): Promise<{ passwordHash: string; lockedUntil: Date | null; disabled: boolean } | undefined> {
  const { rows } = await db.query<{ password_hash: string; locked_until: Date | null; disabled: boolean }>(
    'SELECT password_hash, locked_until, disabled FROM operators WHERE username = $1 FOR UPDATE',
    [username],
  );
  const row = rows[0];
  return row === undefined
    ? undefined
    : { passwordHash: row.password_hash, lockedUntil: row.locked_until, disabled: row.disabled };
}

export async function clearOperatorSignInFailures(db: Queryable, username: string): Promise<void> {
  await db.query('UPDATE operators SET failed_sign_ins = 0, locked_until = NULL WHERE username = $1', [username]);
}

/** Counts one more failure in a row, locking the operator for `lockS` at `maxFailures`; the count after it. */
export async function recordOperatorSignInFailure(
  db: Queryable,
  username: string,
  maxFailures: number,
  lockS: number,
): Promise<number> {
  const { rows } = await db.query<{ failed_sign_ins: number }>(
    `UPDATE operators SET failed_sign_ins = failed_sign_ins + 1,
       locked_until = CASE WHEN failed_sign_ins + 1 >= $2 THEN now() + make_interval(secs => $3) ELSE locked_until END
     WHERE username = $1 RETURNING failed_sign_ins`,
    [username, maxFailures, lockS],
  );
  return rows[0]?.failed_sign_ins ?? 0;
}
