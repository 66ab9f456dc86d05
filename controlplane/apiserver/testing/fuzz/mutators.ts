/**
 * Mutators of request bodies: deep structural changes to a decoded value and byte-level damage to an encoded one.
 */

import type { Rng } from './rng.js';

/** Deep structural mutations of a decoded body. */
export function mutateValue(rng: Rng, v: unknown, depth = 0): unknown {
  if (depth > 6) return v;
  if (rng.chance(0.04)) {
    return rng.pick<unknown>([
      null,
      0,
      -1,
      1.5,
      1e308,
      '',
      rng.nasty(),
      true,
      [],
      {},
      [null],
      { '': 1 },
      { __proto__: { polluted: true } },
      { constructor: { prototype: { x: 1 } } },
    ]);
  }
  if (Array.isArray(v)) {
    const out = v.map((x) => mutateValue(rng, x, depth + 1));
    if (rng.chance(0.05)) out.push(mutateValue(rng, out[0], depth + 1));
    return out;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (rng.chance(0.03)) continue;
      out[rng.chance(0.02) ? rng.nasty() : k] = mutateValue(rng, x, depth + 1);
    }
    if (rng.chance(0.05))
      out[rng.pick(['__proto__', 'constructor', 'status', 'extra', '$patch', rng.nasty()])] =
        rng.pick<unknown>([1, 'x', {}, null]);
    return out;
  }
  return v;
}

/** Puts the name back when a mutation dropped it beside a generateName (see objectFor). */
export function keepNamed(value: unknown, name: string): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const meta = (value as Record<string, unknown>).metadata;
  if (meta !== null && typeof meta === 'object' && !Array.isArray(meta)) {
    const m = meta as Record<string, unknown>;
    if (m.generateName !== undefined && m.name === undefined) m.name = name;
  }
  return value;
}

/** Byte-level mutations of an encoded body. */
export function mutateBytes(rng: Rng, b: Buffer): Buffer {
  let out: Buffer = Buffer.from(b);
  const n = rng.int(4) + 1;
  for (let i = 0; i < n; i++) {
    const at = out.length === 0 ? 0 : rng.int(out.length);
    switch (rng.int(7)) {
      case 0:
        if (out.length > 0) out[at] = rng.int(256);
        break;
      case 1:
        out = Buffer.concat([out.subarray(0, at), rng.bytes(rng.int(8) + 1), out.subarray(at)]);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + rng.int(16) + 1)]);
        break;
      case 3:
        out = out.subarray(0, at);
        break;
      case 4:
        out = Buffer.concat([
          out.subarray(0, at),
          Buffer.from(
            rng.pick([
              '"',
              '{',
              '[',
              ']',
              '}',
              ',',
              ':',
              '\\u0000',
              '1e999',
              '-',
              '\n- a\n',
              '&a *a',
              '!!binary',
              '<<: *x',
            ]),
          ),
          out.subarray(at),
        ]);
        break;
      case 5:
        out = Buffer.concat([out, out.subarray(at, at + 64)]);
        break;
      default:
        if (out.length > 0) out[at] = (out[at] as number) ^ (1 << rng.int(8));
    }
  }
  return out;
}
