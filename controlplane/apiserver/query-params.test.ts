/**
 * Query parameters read as kube-apiserver reads them. The expected values come from
 * k8s.io/apimachinery at commit eed236ceee2c19c2753a3d93ac0631dc20750454:
 * - pkg/runtime/conversion.go: Convert_Slice_string_To_bool / _Pointer_bool (false only for an
 *   absent parameter, "0", or "false" in any case; anything else, "" included, is true),
 *   Convert_Slice_string_To_int64 / _Pointer_int64 (strconv.ParseInt(s, 10, 64), error returned),
 *   Convert_Slice_string_To_string (first value);
 * - pkg/apis/meta/v1/zz_generated.conversion.go: autoConvert_url_Values_To_v1_ListOptions,
 *   _DeleteOptions, _PatchOptions, _TableOptions (which converter each parameter uses; every
 *   scalar takes values[0]);
 * - pkg/apis/meta/v1/conversion.go: propagationPolicy and includeObject take values[0].
 * kube-apiserver turns a conversion error into a 400 BadRequest carrying the error text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../../test/harness/cluster/apiserver.js';
import { parseGoInt64, queryBool, queryInt64, queryOptionalBool, queryString } from './query-params.js';
import { parseRequestInfo } from './request-info.js';
import { deleteOptions, listQuery } from './request-options.js';
import { ApiError } from './status.js';

/** [raw query, parameter, value kube-apiserver reads] for boolean parameters. */
const BOOLS: ReadonlyArray<readonly [string, string, boolean | undefined]> = [
  ['', 'watch', undefined],
  ['watch', 'watch', true],
  ['watch=', 'watch', true],
  ['watch=true', 'watch', true],
  ['watch=True', 'watch', true],
  ['watch=TRUE', 'watch', true],
  ['watch=1', 'watch', true],
  ['watch=t', 'watch', true],
  ['watch=yes', 'watch', true],
  ['watch=2', 'watch', true],
  ['watch=false', 'watch', false],
  ['watch=False', 'watch', false],
  ['watch=FALSE', 'watch', false],
  ['watch=fAlSe', 'watch', false],
  ['watch=0', 'watch', false],
  // Go's ParseBool would read these as false; the query converter does not.
  ['watch=f', 'watch', true],
  ['watch=F', 'watch', true],
  ['watch=00', 'watch', true],
  // Repeated: the first value wins.
  ['watch=false&watch=true', 'watch', false],
  ['watch=true&watch=false', 'watch', true],
  ['allowWatchBookmarks=True', 'allowWatchBookmarks', true],
  ['sendInitialEvents=0&sendInitialEvents=1', 'sendInitialEvents', false],
  ['orphanDependents=True', 'orphanDependents', true],
  ['force=TRUE', 'force', true],
  ['force=', 'force', true],
];

/** [raw value, int64 read, or the 400 message]. */
const INTS: ReadonlyArray<readonly [string, number | string]> = [
  ['0', 0],
  ['500', 500],
  ['+5', 5],
  ['-1', -1],
  ['007', 7],
  ['9223372036854775807', 2 ** 63],
  ['-9223372036854775808', -(2 ** 63)],
  ['9223372036854775808', 'strconv.ParseInt: parsing "9223372036854775808": value out of range'],
  ['', 'strconv.ParseInt: parsing "": invalid syntax'],
  ['1.5', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
  ['1e3', 'strconv.ParseInt: parsing "1e3": invalid syntax'],
  ['0x10', 'strconv.ParseInt: parsing "0x10": invalid syntax'],
  ['1_000', 'strconv.ParseInt: parsing "1_000": invalid syntax'],
  [' 1', 'strconv.ParseInt: parsing " 1": invalid syntax'],
  ['abc', 'strconv.ParseInt: parsing "abc": invalid syntax'],
];

function apiErrorOf(f: () => unknown): ApiError {
  try {
    f();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

describe('query parameters as kube-apiserver converts them', () => {
  it.each(BOOLS)('%s → %s = %s', (raw, name, want) => {
    const q = new URLSearchParams(raw);
    expect(queryOptionalBool(q, name)).toBe(want);
    expect(queryBool(q, name)).toBe(want ?? false);
  });

  it.each(INTS)('ParseInt(%j)', (raw, want) => {
    if (typeof want === 'number') {
      expect(parseGoInt64(raw)).toBe(want);
      return;
    }
    const err = apiErrorOf(() => parseGoInt64(raw));
    expect([err.statusCode, err.reason, err.message]).toEqual([400, 'BadRequest', want]);
  });

  it('repeated scalars take the first value; absent ones are undefined', () => {
    const q = new URLSearchParams(
      'limit=2&limit=x&timeoutSeconds=5&timeoutSeconds=7&fieldManager=a&fieldManager=b&labelSelector=a=1&labelSelector=b=2&propagationPolicy=Orphan&propagationPolicy=Foreground',
    );
    expect(queryInt64(q, 'limit')).toBe(2);
    expect(queryInt64(q, 'timeoutSeconds')).toBe(5);
    expect(queryInt64(q, 'gracePeriodSeconds')).toBeUndefined();
    expect(queryString(q, 'fieldManager')).toBe('a');
    expect(queryString(q, 'fieldValidation')).toBeUndefined();
    expect(listQuery(q)).toMatchObject({ limit: 2, labelSelector: 'a=1' });
    expect(deleteOptions(q, {}).propagationPolicy).toBe('Orphan');
  });

  it('ListOptions: limit 0 or below means no limit; a bad limit is 400 with Go’s text', () => {
    expect(listQuery(new URLSearchParams('limit=0')).limit).toBeUndefined();
    expect(listQuery(new URLSearchParams('limit=-3')).limit).toBeUndefined();
    expect(apiErrorOf(() => listQuery(new URLSearchParams('limit=ten'))).message).toBe(
      'strconv.ParseInt: parsing "ten": invalid syntax',
    );
  });

  it('DeleteOptions from the query: gracePeriodSeconds is ParseInt, orphanDependents the bool converter', () => {
    expect(deleteOptions(new URLSearchParams('gracePeriodSeconds=%2B30&orphanDependents=True'), {})).toEqual({
      gracePeriodSeconds: 30,
      orphanDependents: true,
    });
    expect(deleteOptions(new URLSearchParams('orphanDependents=0'), {}).orphanDependents).toBe(false);
    expect(apiErrorOf(() => deleteOptions(new URLSearchParams('gracePeriodSeconds=1s'), {})).message).toBe(
      'strconv.ParseInt: parsing "1s": invalid syntax',
    );
  });

  it('the verb of a collection GET is watch for every true spelling', () => {
    for (const raw of ['watch=True', 'watch=TRUE', 'watch', 'watch=1', 'watch=true&watch=false'])
      expect(parseRequestInfo('GET', '/api/v1/pods', new URLSearchParams(raw))?.verb).toBe('watch');
    for (const raw of ['watch=False', 'watch=0', 'watch=false&watch=true'])
      expect(parseRequestInfo('GET', '/api/v1/pods', new URLSearchParams(raw))?.verb).toBe('list');
  });
});

describe('query parameters over HTTP', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('watch=True streams events (the Python client sends it); a bad limit or timeoutSeconds is a 400 Status', async () => {
    const w = await call(
      t.server,
      'GET',
      '/api/v1/namespaces/default/configmaps?watch=True&timeoutSeconds=1&timeoutSeconds=x',
    );
    expect(w.status).toBe(200);
    expect(w.headers['transfer-encoding']).toBe('chunked');
    for (const bad of ['limit=1.5', 'watch=1&timeoutSeconds=soon']) {
      const r = await call(t.server, 'GET', `/api/v1/namespaces/default/configmaps?${bad}`);
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
      expect(String(r.json.message)).toMatch(/^strconv\.ParseInt: parsing "(1\.5|soon)": invalid syntax$/);
    }
  });
});
