import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  changePreauthorizationState,
  checkPreauthorizations,
  consumePreauthorizations,
  findPreauthorization,
  preauthorizationStates,
  type Preauthorization,
  type PreauthorizationState,
} from './preauthorization.ts';
import { approvedPreauthorization, memberId, refusal } from './testing/fixtures.ts';

const mri = approvedPreauthorization('pa-mri', ['IM-303'], 145_000n, '2025-06-30');
const inState = (state: PreauthorizationState): Preauthorization => ({ ...mri, state });

test('pre-authorization - states change only along the allowed transitions', () => {
  const allowed = preauthorizationStates.flatMap((from) =>
    preauthorizationStates
      .filter((to) => refusal(() => changePreauthorizationState(inState(from), to)) === 'ok')
      .map((to) => `${from}->${to}`),
  );
  assert.deepEqual(allowed, [
    'requested->approved',
    'requested->denied',
    'approved->consumed',
    'approved->released',
    'approved->expired',
    'consumed->approved',
  ]);
  assert.equal(
    refusal(() => changePreauthorizationState(inState('consumed'), 'consumed')),
    'failed_precondition:PREAUTHORIZATION_STATE_INVALID',
  );
});

test('pre-authorization - consuming marks the named ones; consuming one twice is refused', () => {
  const ct = approvedPreauthorization('pa-ct', ['IM-304'], 60_000n);
  const after = consumePreauthorizations([mri, ct], ['pa-ct']);
  assert.deepEqual(
    after.map((preauthorization) => preauthorization.state),
    ['approved', 'consumed'],
  );
  assert.equal(
    refusal(() => consumePreauthorizations(after, ['pa-ct'])),
    'failed_precondition:PREAUTHORIZATION_STATE_INVALID',
  );
});

test('pre-authorization - a line finds an approved, unexpired, unused one for its member and code', () => {
  const find = (list: readonly Preauthorization[], date = '2025-03-10', used: readonly string[] = []): string =>
    findPreauthorization(list, memberId, 'IM-303', date, new Set(used))?.id ?? 'none';
  assert.equal(find([mri]), 'pa-mri');
  assert.equal(find([mri], '2025-06-30'), 'pa-mri');
  assert.equal(find([mri], '2025-07-01'), 'none');
  assert.equal(find([mri], '2025-03-10', ['pa-mri']), 'none');
  assert.equal(find([{ ...mri, codes: ['IM-304'] }]), 'none');
  assert.equal(find([{ ...mri, memberId: 'member-2' }]), 'none');
  for (const state of preauthorizationStates.filter((state) => state !== 'approved'))
    assert.equal(find([inState(state)]), 'none', state);
  const sooner = { ...mri, id: 'pa-sooner', expiresOn: '2025-04-30' };
  const twin = { ...sooner, id: 'pa-a-twin' };
  assert.equal(find([mri, sooner]), 'pa-sooner', 'the one expiring first');
  assert.equal(find([mri, sooner, twin]), 'pa-a-twin', 'then the smallest id');
});

test('pre-authorization - malformed ones and repeated ids are refused', () => {
  const check = (changes: Partial<Record<keyof Preauthorization, unknown>>, list: Preauthorization[] = []): string =>
    refusal(() => {
      checkPreauthorizations([...list, { ...mri, ...changes } as Preauthorization]);
    });
  assert.equal(check({}), 'ok');
  assert.equal(check({}, [mri]), 'invalid_argument:PREAUTHORIZATION_INVALID');
  assert.equal(check({ codes: [] }), 'invalid_argument:PREAUTHORIZATION_INVALID');
  assert.equal(check({ codes: ['im-303'] }), 'invalid_argument:PREAUTHORIZATION_INVALID');
  assert.equal(check({ approvedMinor: -1n }), 'invalid_argument:PREAUTHORIZATION_INVALID');
  assert.equal(check({ expiresOn: '2025-06-31' }), 'invalid_argument:PREAUTHORIZATION_INVALID');
  assert.equal(check({ state: 'pending' }), 'invalid_argument:PREAUTHORIZATION_INVALID');
  assert.equal(check({ memberId: '' }), 'invalid_argument:PREAUTHORIZATION_INVALID');
});
