/**
 * Resource quantities (k8s.io/apimachinery `resource.Quantity`) reduced to the two units the
 * scheduler and the kubelet use: CPU in millicores and memory in bytes. Only the suffixes the API accepts
 * are recognised; anything else is an error naming the field.
 */
import { invalid } from '../errors/index.js';

const BINARY: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Parses a quantity string or number into its value in base units (e.g. `"1.5Gi"` → bytes). */
export function parseQuantity(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value !== 'string') throw invalid(field, `must be a quantity, got ${JSON.stringify(value)}`);
  const m = /^([+]?[0-9]*\.?[0-9]+)(?:[eE]([+-]?[0-9]+))?([a-zA-Z]*)$/.exec(value.trim());
  const suffix = m?.[3] ?? '';
  const mult = BINARY[suffix] ?? DECIMAL[suffix];
  if (!m || mult === undefined)
    throw invalid(field, `must be a quantity like 100m, 1.5, 128Mi or 1G, got "${value}"`);
  const n = Number(m[1]) * 10 ** Number(m[2] ?? 0) * mult;
  if (!Number.isFinite(n)) throw invalid(field, `quantity out of range: "${value}"`);
  return n;
}

/** CPU quantity → millicores, rounded up as the API does for sub-milli values. */
export function milliCpu(value: unknown, field: string): number {
  return Math.ceil(Math.round(parseQuantity(value, field) * 1e6) / 1e3);
}

/** Memory (or any integer) quantity → base units, rounded up. */
export function integerQuantity(value: unknown, field: string): number {
  return Math.ceil(parseQuantity(value, field));
}
