// Environment configuration: each service declares a schema once; `loadConfig` parses process.env at boot,
// reports every missing or invalid variable together, and returns a frozen object. Secrets are never echoed;
// URLs are echoed without their user info (a database URL carries its password).

interface Field<T> {
  readonly kind: string;
  readonly default?: T;
  readonly secret: boolean;
  readonly description: string;
  parse(raw: string): T;
  /** The raw value as it may appear in an error message. */
  echo(raw: string): string;
}

type FieldOptions<T> = { default?: T; description?: string };

function field<T>(
  kind: string,
  parse: (raw: string) => T,
  options: FieldOptions<T>,
  secret = false,
  echo = (raw: string) => raw,
): Field<T> {
  return {
    kind,
    parse,
    echo,
    secret,
    description: options.description ?? '',
    ...(options.default === undefined ? {} : { default: options.default }),
  };
}

export const env = {
  string: (options: FieldOptions<string> = {}): Field<string> =>
    field(
      'string',
      (raw) => {
        if (raw.length === 0) throw new Error('must not be empty');
        return raw;
      },
      options,
    ),
  /**
   * A JetStream name (a stream, consumer or bucket): letters, digits, `-` and `_`, at most 255 characters. NATS
   * refuses `.`, `*`, `>` and whitespace in them; refused at boot, such a name is a config error, not a server that
   * waits for a stream it can never open.
   */
  natsName: (options: FieldOptions<string> = {}): Field<string> =>
    field(
      'nats name',
      (raw) => {
        if (!/^[A-Za-z0-9_-]{1,255}$/.test(raw)) throw new Error('must be 1-255 letters, digits, - or _');
        return raw;
      },
      options,
    ),
  secret: (options: FieldOptions<string> & { minLength?: number } = {}): Field<string> =>
    field(
      'secret',
      (raw) => {
        if (raw.length < (options.minLength ?? 16))
          throw new Error(`must be at least ${options.minLength ?? 16} characters`);
        return raw;
      },
      options,
      true,
    ),
  url: (options: FieldOptions<string> & { protocols?: readonly string[] } = {}): Field<string> =>
    field(
      'url',
      (raw) => {
        const url = new URL(raw);
        if (options.protocols && !options.protocols.includes(url.protocol)) {
          throw new Error(`must use ${options.protocols.join(' or ')}`);
        }
        return raw;
      },
      options,
      false,
      redactUserInfo,
    ),
  int: (options: FieldOptions<number> & { min?: number; max?: number } = {}): Field<number> =>
    field(
      'int',
      (raw) => {
        if (!/^-?\d+$/.test(raw)) throw new Error('must be an integer');
        const value = Number(raw);
        if (options.min !== undefined && value < options.min) throw new Error(`must be >= ${options.min}`);
        if (options.max !== undefined && value > options.max) throw new Error(`must be <= ${options.max}`);
        return value;
      },
      options,
    ),
  /** A decimal number (no exponent, no hex): a ratio or a multiple; bounds are the caller's. */
  number: (options: FieldOptions<number> = {}): Field<number> =>
    field(
      'number',
      (raw) => {
        if (!/^-?\d+(\.\d+)?$/.test(raw)) throw new Error('must be a decimal number');
        return Number(raw);
      },
      options,
    ),
  port: (options: FieldOptions<number> = {}): Field<number> => env.int({ ...options, min: 0, max: 65535 }),
  bool: (options: FieldOptions<boolean> = {}): Field<boolean> =>
    field(
      'bool',
      (raw) => {
        if (raw === 'true' || raw === '1') return true;
        if (raw === 'false' || raw === '0') return false;
        throw new Error('must be true or false');
      },
      options,
    ),
  oneOf: <T extends string>(values: readonly T[], options: FieldOptions<T> = {}): Field<T> =>
    field(
      'enum',
      (raw) => {
        if (!(values as readonly string[]).includes(raw)) throw new Error(`must be one of ${values.join(', ')}`);
        return raw as T;
      },
      options,
    ),
};

/**
 * Replaces everything between the scheme and the last '@' (user, password) with '***'. Works on values that do
 * not parse as URLs too: a password with '#' or '/' in it is what makes a URL invalid in the first place.
 */
function redactUserInfo(raw: string): string {
  const at = raw.lastIndexOf('@');
  if (at === -1) return raw;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(raw)?.[0] ?? '';
  return `${scheme}***${raw.slice(at)}`;
}

export type Schema = Record<string, Field<unknown>>;
export type Config<S extends Schema> = { readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function loadConfig<S extends Schema>(
  schema: S,
  source: Record<string, string | undefined> = process.env,
): Config<S> {
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) {
    const raw = source[name];
    if (raw === undefined || raw === '') {
      if (spec.default === undefined) problems.push(`${name}: required (${spec.description || spec.kind})`);
      else result[name] = spec.default;
      continue;
    }
    try {
      result[name] = spec.parse(raw);
    } catch (error) {
      const why = error instanceof Error ? error.message : 'invalid';
      problems.push(
        spec.secret ? `${name}: ${why} (value hidden)` : `${name}: ${why} (got ${JSON.stringify(spec.echo(raw))})`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(result) as Config<S>;
}

/** A description of the schema for `--help` and the README: names, kinds, defaults; secrets' defaults hidden. */
export function describeConfig(schema: Schema): string[] {
  return Object.entries(schema).map(([name, spec]) => {
    const fallback =
      spec.default === undefined
        ? 'required'
        : spec.secret
          ? 'default: (hidden)'
          : `default: ${JSON.stringify(spec.default)}`;
    return `${name} (${spec.kind}, ${fallback})${spec.description ? ` ${spec.description}` : ''}`;
  });
}
