/** Number ↔ name tables for scopes, route types, protocols and neighbour states. Pure. */
import type { NeighState, RouteType, Scope } from '../types.js';
import { NUD, RTN, RTPROT, SCOPE } from './constants.js';

function reverse<K extends string>(table: Readonly<Record<K, number>>): Map<number, K> {
  return new Map(Object.entries(table).map(([k, v]) => [v as number, k as K]));
}

const SCOPES = reverse<Scope>(SCOPE);
const TYPES = reverse<RouteType>(RTN);
const PROTOCOLS = reverse<string>(RTPROT);

/** RT_SCOPE number → name; unknown numbers map to the nearest named scope below them. */
export function scopeName(n: number): Scope {
  return SCOPES.get(n) ?? (n >= 253 ? 'link' : n >= 200 ? 'site' : 'universe');
}

/** RTN number → name, or undefined for types this module does not model (multicast, nat, …). */
export function routeTypeName(n: number): RouteType | undefined {
  return TYPES.get(n);
}

/** RTPROT number → name, or the number as a string. */
export function protocolName(n: number): string {
  return PROTOCOLS.get(n) ?? String(n);
}

/** The single NUD state bit → name (the highest set bit wins, as `ip neigh` prints). */
export function neighStateName(state: number): NeighState {
  let best: NeighState = 'none';
  let bestBit = 0;
  for (const [name, bit] of Object.entries(NUD) as [NeighState, number][]) {
    if (bit > bestBit && (state & bit) !== 0) {
      best = name;
      bestBit = bit;
    }
  }
  return best;
}
