/**
 * The fuzz test's verdict on each outcome: every answer a kube-apiserver-shaped Status (JSON
 * errors are `kind: Status` with the same code), no 5xx but a requested 504, and an answer for
 * every request that must get one; counted in a Tally.
 */
import type { RawOutcome } from '../raw-http.js';
import type { FuzzRequest } from './types.js';

/** Counts of a fuzz run, and its failures described. */
export interface Tally {
  sent: number;
  answered: number;
  unansweredAllowed: number;
  streams: number;
  retried: number;
  readonly byStatus: Map<number, number>;
  readonly failures: string[];
}

function describeRequest(index: number, r: FuzzRequest): string {
  return `#${index} ${r.label} — bytes ${JSON.stringify(r.bytes.subarray(0, 400).toString('latin1'))}`;
}

/** Judges one outcome; returns false when it is a failure (recorded in `t.failures`). */
export function judge(t: Tally, index: number, r: FuzzRequest, o: RawOutcome): void {
  if (o.kind !== 'response') {
    if (!r.mustAnswer) {
      t.unansweredAllowed++;
      return;
    }
    t.failures.push(
      `${o.kind === 'timeout' ? 'no answer in time' : `connection closed without an answer after ${JSON.stringify(o.partial)}`}: ${describeRequest(index, r)}`,
    );
    return;
  }
  const { status, headers, body } = o.response;
  t.answered++;
  t.byStatus.set(status, (t.byStatus.get(status) ?? 0) + 1);
  // 504 is the deadline a client asked for (?timeout=1ms); every other 5xx is a bug of ours.
  if (status >= 500 && status !== 504) {
    t.failures.push(`${status} ${body.subarray(0, 300).toString('utf8')}: ${describeRequest(index, r)}`);
    return;
  }
  if (status >= 400 && !r.head && (headers['content-type'] ?? '').startsWith('application/json')) {
    let s: { kind?: unknown; code?: unknown };
    try {
      s = JSON.parse(body.toString('utf8')) as typeof s;
    } catch {
      t.failures.push(`${status} with a body that is not JSON: ${describeRequest(index, r)}`);
      return;
    }
    if (s.kind !== 'Status' || s.code !== status)
      t.failures.push(
        `${status} answered with ${body.subarray(0, 200).toString('utf8')}: ${describeRequest(index, r)}`,
      );
  }
}
