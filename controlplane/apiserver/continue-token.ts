/**
 * List paging tokens (`limit`/`continue`, API conventions "Retrieving large results sets in
 * chunks"): base64url JSON with the list's revision and the last key returned.
 */
import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';
import { badRequest } from './status.js';

/** Where a paged list resumes: the list's revision and the last key returned. */
export interface ContinueToken {
  readonly rv: number;
  readonly start: string;
}

/** The opaque `metadata.continue` value for a position. */
export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString('base64url');
}

/** Parses a continue token; a malformed one is 400 BadRequest. */
export function decodeContinue(token: string): ContinueToken {
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (isJsonObject(v as Json) && typeof (v as JsonObject).start === 'string') {
      const o = v as JsonObject;
      return { rv: Number(o.rv), start: String(o.start) };
    }
  } catch {
    // fall through to the 400 below
  }
  throw badRequest('continue key is not valid: malformed token');
}
