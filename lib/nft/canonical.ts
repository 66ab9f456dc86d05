/**
 * Canonical form of a ruleset, so that "what we applied" and "what nft lists" compare as
 * plain text. What is normalised, and why:
 *  - rule text: whitespace collapsed; `counter packets N bytes M` → `counter` (nft prints the
 *    live counters); dumps drop handles (kernel-assigned). Rules otherwise compare verbatim, so
 *    callers that want equality write rule bodies the way `nft list` prints them
 *    (e.g. `tcp dport { 80, 443 }`, `ct state new`).
 *  - base chains: the implicit policy `accept` is made explicit.
 *  - sets/maps: `timeout` implies the `timeout` flag (the kernel sets it); flags sorted; a
 *    dynamic set's size 65535 is dropped (the kernel's default, which nft then lists).
 *  - element keys/values: whitespace collapsed, addresses/prefixes/ranges printed as nft
 *    prints them (element-text.ts); elements sorted by key.
 *  - order: per table (family, name): the table, chains, sets, maps (by name), then rules
 *    grouped by chain name in chain order, then elements by set and key.
 */
import { normalizeElementText } from './element-text.js';
import { renderOperation } from './render.js';
import type { Chain, Element, NftMap, NftObject, NftSet, Rule, SetFlag, Table } from './types.js';

const squash = (text: string): string => text.trim().replace(/\s+/g, ' ');

/** Normalises rule text as nft prints it back (see the module comment). */
export function normalizeRuleText(text: string): string {
  return squash(text)
    .replace(/\s*# handle \d+$/, '')
    .replace(/\bcounter packets \d+ bytes \d+/g, 'counter');
}

/** The size the kernel gives a dynamic set when none is set (listed by nft 1.0.6). */
const DYNAMIC_DEFAULT_SIZE = 65535;

/** Drops undefined fields so objects compare with toEqual and render identically. */
function compact<T extends NftObject>(obj: object): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** The canonical copy of one object (see the module comment). */
export function canonicalObject(obj: NftObject): NftObject {
  switch (obj.kind) {
    case 'table':
      return compact<Table>({ ...obj });
    case 'chain': {
      const base = obj.hook !== undefined;
      return compact<Chain>({ ...obj, ...(base ? { policy: obj.policy ?? 'accept' } : {}) });
    }
    case 'set':
    case 'map': {
      const flags = new Set<SetFlag>(obj.flags ?? []);
      if (obj.timeout !== undefined) flags.add('timeout');
      const sorted = [...flags].sort();
      const defaultSize = flags.has('dynamic') && obj.size === DYNAMIC_DEFAULT_SIZE;
      const out = {
        ...obj,
        flags: sorted.length > 0 ? sorted : undefined,
        size: defaultSize ? undefined : obj.size,
      };
      if (obj.typeof !== undefined) out.typeof = squash(obj.typeof);
      if (obj.type !== undefined) out.type = squash(obj.type);
      return compact<NftSet | NftMap>(out);
    }
    case 'element':
      return compact<Element>({
        ...obj,
        key: normalizeElementText(obj.key),
        value: obj.value === undefined ? undefined : normalizeElementText(obj.value),
      });
    case 'rule':
      return compact<Rule>({ ...obj, rule: normalizeRuleText(obj.rule) });
  }
}

const KIND_ORDER: Readonly<Record<NftObject['kind'], number>> = {
  table: 0,
  chain: 1,
  set: 2,
  map: 3,
  rule: 4,
  element: 5,
};

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function tableOf(o: NftObject): string {
  return `${o.family} ${o.kind === 'table' ? o.name : o.table}`;
}

function sortKey(o: NftObject): string {
  switch (o.kind) {
    case 'table':
      return '';
    case 'chain':
    case 'set':
    case 'map':
      return o.name;
    case 'rule':
      return o.chain;
    case 'element':
      return `${o.set}\u0000${o.key}`;
  }
}

/**
 * Canonical, sorted copies of the objects. The sort is stable, so rules keep their order
 * inside a chain.
 */
export function canonicalize(objects: Iterable<NftObject>): NftObject[] {
  return [...objects]
    .map(canonicalObject)
    .sort(
      (a, b) =>
        cmp(tableOf(a), tableOf(b)) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || cmp(sortKey(a), sortKey(b)),
    );
}

function withoutHandle(r: Rule): Rule {
  const { handle: _handle, ...rest } = r;
  return rest;
}

/** The canonical ruleset as an nft script of `add` commands, one per object (FakeNft.dump()). */
export function dumpObjects(objects: Iterable<NftObject>): string {
  return canonicalize(objects)
    .map((o) => (o.kind === 'rule' ? withoutHandle(o) : o))
    .map((o) => `${renderOperation({ verb: 'add', object: o }).join('\n')}\n`)
    .join('');
}
