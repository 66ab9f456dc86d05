/**
 * Random and mutated HTTP requests for the API server fuzz test, from a seeded PRNG so a failing
 * run is reproduced by its seed. Pure: a request is bytes plus what the sender must know about
 * them (may it share a pipelined connection, must it be answered, may it stream).
 *
 * Families: well-formed requests to every resource (method, path, query, headers and a body
 * built for the kind, then mutated), raw request lines Node's client would never send, framing
 * hazards (conflicting lengths, bad chunks, truncated or oversized bodies) and watches.
 *
 * This module is the corpus: the mix of families per draw. The generators live under fuzz/
 * (rng, paths, bodies, mutators, structured requests, hazards); the order in which they draw
 * from the PRNG is the corpus, so a change there changes what a seed replays.
 */
import { asksForWatch, framing, rawLine } from './fuzz/hazards.js';
import type { Rng } from './fuzz/rng.js';
import { finish, guard, parserMayRefuse, serialize, structured } from './fuzz/structured.js';
import type { FuzzRequest, FuzzTarget } from './fuzz/types.js';

export { Rng } from './fuzz/rng.js';
export type { FuzzRequest, FuzzResource, FuzzTarget } from './fuzz/types.js';

/** The next fuzz request. */
export function nextRequest(rng: Rng, target: FuzzTarget): FuzzRequest {
  const roll = rng.next();
  if (roll < 0.04) return rawLine(rng, target);
  if (roll < 0.055) return framing(rng, target);
  if (roll < 0.075) {
    const p = guard(structured(rng, target, true), target);
    return finish(p, serialize(p, 'length'), { solo: true, streaming: true });
  }
  const p = guard(structured(rng, target, false), target);
  const bytes = serialize(p, rng.chance(0.1) ? 'chunked' : 'length');
  // A query that asks for a watch streams; keep it off shared connections.
  const streaming = asksForWatch(p.path + p.query);
  const closes = p.headers.some(([k, v]) => k === 'Connection' && v === 'close');
  return finish(p, bytes, { solo: streaming || closes || parserMayRefuse(bytes), streaming });
}
