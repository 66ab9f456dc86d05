/**
 * Query parameter values read as kube-apiserver reads them into its option structs
 * (ListOptions, DeleteOptions, PatchOptions, ...): of a repeated parameter only the first value
 * counts; a boolean is false only when absent, `0` or `false` in any letter case (so `True`,
 * `yes` and an empty `?watch` are true); an integer is Go's `strconv.ParseInt(s, 10, 64)`, whose
 * failure is a 400 carrying Go's own error text.
 */
import { badRequest } from './status.js';

/** The first value of `name`, or undefined when absent. */
export function queryString(q: URLSearchParams, name: string): string | undefined {
  return q.get(name) ?? undefined;
}

/** A boolean parameter; undefined when absent. */
export function queryOptionalBool(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  return !(v === '0' || v.toLowerCase() === 'false');
}

/** A boolean parameter; false when absent. */
export function queryBool(q: URLSearchParams, name: string): boolean {
  return queryOptionalBool(q, name) ?? false;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's `strconv.ParseInt(s, 10, 64)`: an optional sign, then decimal digits, within int64. */
export function parseGoInt64(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw badRequest(`strconv.ParseInt: parsing ${goQuote(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n < INT64_MIN || n > INT64_MAX)
    throw badRequest(`strconv.ParseInt: parsing ${goQuote(s)}: value out of range`);
  return Number(n);
}

/** An int64 parameter; undefined when absent, 400 when not an integer. */
export function queryInt64(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  return v === null ? undefined : parseGoInt64(v);
}

/** A string quoted as Go's `strconv.Quote` does for printable text. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}
