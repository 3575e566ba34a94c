import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, describeConfig, env, loadConfig } from './config.ts';

const schema = {
  PORT: env.port({ default: 7000 }),
  URL: env.url({ protocols: ['postgres:'] }),
  SECRET: env.secret({ minLength: 16 }),
  MODE: env.oneOf(['a', 'b'] as const, { default: 'a' }),
  ENABLED: env.bool({ default: false }),
};

test('config - defaults apply and values parse to their types', () => {
  const config = loadConfig(schema, { URL: 'postgres://x/y', SECRET: 's'.repeat(16), ENABLED: 'true' });
  assert.deepEqual(config, { PORT: 7000, URL: 'postgres://x/y', SECRET: 's'.repeat(16), MODE: 'a', ENABLED: true });
  assert.ok(Object.isFrozen(config));
});

test('config - every problem is reported at once and secrets are never echoed', () => {
  try {
    loadConfig(schema, { PORT: '70000', URL: 'http://x', SECRET: 'short-secret', MODE: 'c', ENABLED: 'yes' });
    assert.fail('expected a ConfigError');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.problems.length, 5);
    assert.match(error.message, /PORT: must be <= 65535/);
    assert.match(error.message, /SECRET: .*\(value hidden\)/);
    assert.equal(error.message.includes('short-secret'), false);
  }
  assert.throws(
    () => loadConfig(schema, {}),
    (error: unknown) => error instanceof ConfigError && error.problems.length === 2,
  );
});

test('config - the description names defaults but hides secret ones', () => {
  const lines = describeConfig({ KEY: env.secret({ default: 'x'.repeat(20) }), PORT: env.port({ default: 1 }) });
  assert.deepEqual(lines, ['KEY (secret, default: (hidden))', 'PORT (int, default: 1)']);
});

test('config - URL values are echoed without user or password, even when they do not parse', () => {
  const urls = { URL: env.url({ protocols: ['postgres:'] }) };
  const cases: [string, string][] = [
    ['postgres://identity:S3cr3t#pw@db:5432/identity', 'URL: Invalid URL (got "postgres://***@db:5432/identity")'],
    ['http://identity:S3cr3t@db:5432/identity', 'URL: must use postgres: (got "http://***@db:5432/identity")'],
    ['identity:S3cr3t@db', 'URL: must use postgres: (got "***@db")'],
    ['not a url', 'URL: Invalid URL (got "not a url")'],
  ];
  for (const [raw, problem] of cases) {
    assert.throws(
      () => loadConfig(urls, { URL: raw }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems, [problem]);
        assert.equal(error.message.includes('S3cr3t'), false);
        return true;
      },
    );
  }
});

test('config - a number is a plain decimal: no exponent, hex, infinity or spaces', () => {
  const numbers = { RATIO: env.number({ default: 3 }) };
  assert.equal(loadConfig(numbers, {}).RATIO, 3);
  assert.equal(loadConfig(numbers, { RATIO: '2.5' }).RATIO, 2.5);
  assert.equal(loadConfig(numbers, { RATIO: '-1' }).RATIO, -1);
  for (const raw of ['1e3', '0x10', 'Infinity', ' 2', '2.', '.5', 'NaN'])
    assert.throws(
      () => loadConfig(numbers, { RATIO: raw }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems[0] === `RATIO: must be a decimal number (got ${JSON.stringify(raw)})`,
      raw,
    );
});

test('config - a NATS name takes letters, digits, - and _ only', () => {
  const names = { NAME: env.natsName() };
  assert.deepEqual(loadConfig(names, { NAME: 'bench-wallet_off-1a2b' }), { NAME: 'bench-wallet_off-1a2b' });
  for (const bad of ['wallet.accounts', 'wallet*', 'wallet>', 'wallet accounts', '', 'x'.repeat(256)])
    assert.throws(
      () => loadConfig(names, { NAME: bad }),
      (error: unknown) => error instanceof ConfigError && /NAME/.test(error.message),
      JSON.stringify(bad),
    );
});
