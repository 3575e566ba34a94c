import assert from 'node:assert/strict';
import test from 'node:test';
import { httpStatusOf } from './http_status.ts';

test('http status - each error kind has its HTTP status: bad input 400, unknown 404, refused sign-in 401', () => {
  assert.equal(httpStatusOf('invalid_argument'), 400);
  assert.equal(httpStatusOf('failed_precondition'), 400);
  assert.equal(httpStatusOf('not_found'), 404);
  assert.equal(httpStatusOf('already_exists'), 409);
  assert.equal(httpStatusOf('permission_denied'), 403);
  assert.equal(httpStatusOf('unauthenticated'), 401);
  assert.equal(httpStatusOf('resource_exhausted'), 429);
  assert.equal(httpStatusOf('unavailable'), 503);
  assert.equal(httpStatusOf('deadline_exceeded'), 504);
});
