import { describe, expect, it } from 'vitest';
import { notFound, SwitchyardError } from '../errors/index.js';
import {
  ApiError,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isTooManyRequests,
  isUnauthorized,
  statusFromResponse,
} from './index.js';

const received = (code: number, reason?: string) =>
  new ApiError({
    status: { kind: 'Status', code, ...(reason === undefined ? {} : { reason }), message: 'm' },
    method: 'GET',
    path: '/api/v1/namespaces/x',
  });

describe('ApiError', () => {
  it('is built by the server from code, reason, message and details', () => {
    const causes = [{ reason: 'FieldValueInvalid', message: 'bad', field: 'spec.x' }] as const;
    const err = new ApiError(422, 'Invalid', 'Pod "p" is invalid: spec.x: bad', {
      name: 'p',
      kind: 'Pod',
      causes,
    });
    expect(err).toBeInstanceOf(SwitchyardError);
    expect(err.message).toBe('Pod "p" is invalid: spec.x: bad');
    expect([err.statusCode, err.reason, err.method, err.path]).toEqual([422, 'Invalid', '', '']);
    expect(err.causes).toEqual(causes);
    expect(err.status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Pod "p" is invalid: spec.x: bad',
      reason: 'Invalid',
      details: { name: 'p', kind: 'Pod', causes },
      code: 422,
    });
    expect(Object.keys(err.details ?? {})).toEqual(['name', 'kind', 'causes']);
  });
  it('is built by a client from the Status it received, naming the request', () => {
    const err = received(404, 'NotFound');
    expect(err.message).toBe('GET /api/v1/namespaces/x: m (404 NotFound)');
    expect([err.method, err.path, err.statusCode]).toEqual(['GET', '/api/v1/namespaces/x', 404]);
    expect(received(404).reason).toBe('NotFound');
  });
});

describe('predicates', () => {
  it('see every 404: server-raised, received, reason-less, unknown reason, coded', () => {
    expect(isNotFound(new ApiError(404, 'NotFound', 'pods "p" not found'))).toBe(true);
    expect(isNotFound(received(404, 'NotFound'))).toBe(true);
    expect(isNotFound(received(404))).toBe(true);
    expect(isNotFound(received(404, 'SomethingNew'))).toBe(true);
    const html = statusFromResponse(404, '<html>not here</html>');
    expect(isNotFound(new ApiError({ status: html, method: 'GET', path: '/x' }))).toBe(true);
    expect(isNotFound(notFound('network namespace', 'sy-x'))).toBe(true);
    // A reason apimachinery knows decides over the code; other errors are not 404s.
    expect(isNotFound(received(404, 'Gone'))).toBe(false);
    expect(isNotFound(received(409, 'Conflict'))).toBe(false);
    expect(isNotFound(new Error('not found'))).toBe(false);
  });
  it('tell the other reasons apart', () => {
    expect(isConflict(new ApiError(409, 'Conflict', 'x'))).toBe(true);
    expect(isConflict(received(409, 'AlreadyExists'))).toBe(false);
    expect(isAlreadyExists(received(409, 'AlreadyExists'))).toBe(true);
    expect(isAlreadyExists(new ApiError(409, 'AlreadyExists', 'x'))).toBe(true);
    expect(isGone(new ApiError(410, 'Expired', 'too old'))).toBe(true);
    expect(isGone(received(500, 'Gone'))).toBe(true);
    expect(isInvalid(new ApiError(422, 'Invalid', 'x'))).toBe(true);
    expect(isForbidden(received(403, 'Forbidden'))).toBe(true);
    expect(isForbidden(received(401, 'Unauthorized'))).toBe(false);
    expect(isUnauthorized(received(401))).toBe(true);
    expect(isUnauthorized(received(403))).toBe(true);
    expect(isTooManyRequests(received(429))).toBe(true);
    expect(isTooManyRequests(received(500))).toBe(false);
  });
});
