/**
 * Reads nft's listings back into the model. Structure comes from `nft -j list …` (schema in
 * libnftables-json(5)); rule bodies and the few attributes nft 1.0.6 leaves out of its JSON
 * (table and chain comments, netdev devices, `typeof` set keys) come from the text listing
 * `nft -a list …`, matched by table and object name. Rule bodies stay text on purpose: the
 * JSON expression tree would need a full printer to turn back into nft syntax.
 */
import { isJsonObject } from '../api/json.js';
import { invalid } from '../errors/index.js';
import { canonicalize, normalizeRuleText } from './canonical.js';
import type {
  Chain,
  ChainPolicy,
  ChainType,
  Element,
  Family,
  Hook,
  NftMap,
  NftObject,
  NftSet,
  Rule,
  SetFlag,
  Table,
} from './types.js';

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Renders a JSON set/map type: a string or an array of strings (concatenation). */
function typeText(v: unknown): string {
  return Array.isArray(v) ? v.map(String).join(' . ') : String(v);
}

/** Renders an element key or value expression of libnftables-json(5) as nft text. */
export function jsonValueText(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(jsonValueText).join(', ');
  if (!isJsonObject(v)) return String(v);
  const [[kind, body]] = Object.entries(v) as [[string, unknown]];
  switch (kind) {
    case 'concat':
      return (body as unknown[]).map(jsonValueText).join(' . ');
    case 'prefix':
      return `${jsonValueText((body as Json).addr)}/${String((body as Json).len)}`;
    case 'range': {
      const [a, b] = body as [unknown, unknown];
      return `${jsonValueText(a)}-${jsonValueText(b)}`;
    }
    case 'jump':
    case 'goto':
      return `${kind} ${String((body as Json).target)}`;
    case 'accept':
    case 'drop':
    case 'continue':
    case 'return':
      return kind;
    default:
      return JSON.stringify(v);
  }
}

function elementFrom(family: Family, table: string, set: string, raw: unknown): Element {
  let keyRaw: unknown = raw;
  let valueRaw: unknown;
  if (Array.isArray(raw) && raw.length === 2) [keyRaw, valueRaw] = raw;
  let timeout: number | undefined;
  let comment: string | undefined;
  if (isJsonObject(keyRaw) && isJsonObject(keyRaw.elem)) {
    timeout = num(keyRaw.elem.timeout);
    comment = str(keyRaw.elem.comment);
    keyRaw = keyRaw.elem.val;
  }
  return {
    kind: 'element',
    family,
    table,
    set,
    key: jsonValueText(keyRaw),
    ...(valueRaw === undefined ? {} : { value: jsonValueText(valueRaw) }),
    ...(timeout === undefined ? {} : { timeout }),
    ...(comment === undefined ? {} : { comment }),
  };
}

/** Extras that only the text listing carries, keyed `family table kind name`. */
interface TextListing {
  readonly comments: Map<string, string>;
  readonly devices: Map<string, string>;
  readonly typeofs: Map<string, { key: string; value?: string }>;
  /** nft 1.0.6's JSON leaves out `dynamic`; the text listing has every flag. */
  readonly flags: Map<string, SetFlag[]>;
  readonly rules: Rule[];
}

/** Parses `nft -a list ruleset|table` text: the attributes JSON lacks, and rules with handles. */
export function parseTextListing(text: string): TextListing {
  const out: TextListing = {
    comments: new Map(),
    devices: new Map(),
    typeofs: new Map(),
    flags: new Map(),
    rules: [],
  };
  let family = '';
  let table = '';
  let kind: 'chain' | 'set' | 'map' | 'flowtable' | undefined;
  let name = '';
  for (const line of text.split('\n')) {
    const tm = /^table (\S+) (\S+) \{/.exec(line);
    if (tm) {
      family = tm[1] ?? '';
      table = tm[2] ?? '';
      kind = undefined;
      continue;
    }
    const om = /^\t(chain|set|map|flowtable) (\S+) \{/.exec(line);
    if (om) {
      kind = om[1] as typeof kind;
      name = om[2] ?? '';
      continue;
    }
    if (/^\t\}/.test(line)) {
      kind = undefined;
      continue;
    }
    const body = line.trim();
    const commentOnly = /^comment "(.*)"$/.exec(body);
    if (/^\t[^\t]/.test(line) && kind === undefined && commentOnly) {
      out.comments.set(`${family} ${table} table ${table}`, commentOnly[1] ?? '');
      continue;
    }
    if (!/^\t\t[^\t]/.test(line) || kind === undefined) continue;
    const key = `${family} ${table} ${kind} ${name}`;
    if (commentOnly) {
      out.comments.set(key, commentOnly[1] ?? '');
    } else if (kind === 'chain') {
      const hm = /^type \S+ hook \S+ (?:device "?([^"\s]+)"? )?priority/.exec(body);
      if (hm) {
        if (hm[1] !== undefined) out.devices.set(key, hm[1]);
        continue;
      }
      const rm = /^(.*?)(?: comment "([^"]*)")? # handle (\d+)$/.exec(body);
      if (!rm) continue;
      out.rules.push({
        kind: 'rule',
        family: family as Family,
        table,
        chain: name,
        rule: normalizeRuleText(rm[1] ?? ''),
        ...(rm[2] === undefined ? {} : { comment: rm[2] }),
        handle: Number(rm[3]),
      });
    } else if (kind === 'set' || kind === 'map') {
      const fl = /^flags (.*)$/.exec(body);
      if (fl) out.flags.set(key, (fl[1] ?? '').split(',') as SetFlag[]);
      const ty = /^typeof (.*)$/.exec(body);
      if (ty) {
        const [k = '', v] = (ty[1] ?? '').split(' : ');
        out.typeofs.set(key, v === undefined ? { key: k } : { key: k, value: v });
      }
    }
  }
  return out;
}

function tableFrom(j: Json, text: TextListing): Table {
  const family = j.family as Family;
  const name = String(j.name);
  const comment = str(j.comment) ?? text.comments.get(`${family} ${name} table ${name}`);
  return { kind: 'table', family, name, ...(comment === undefined ? {} : { comment }) };
}

function chainFrom(j: Json, text: TextListing): Chain {
  const family = j.family as Family;
  const table = String(j.table);
  const name = String(j.name);
  const key = `${family} ${table} chain ${name}`;
  const comment = str(j.comment) ?? text.comments.get(key);
  const device = str(j.dev) ?? text.devices.get(key);
  const base =
    j.hook === undefined
      ? {}
      : {
          type: j.type as ChainType,
          hook: j.hook as Hook,
          priority: Number(j.prio),
          ...(j.policy === undefined ? {} : { policy: j.policy as ChainPolicy }),
          ...(device === undefined ? {} : { device }),
        };
  return { kind: 'chain', family, table, name, ...base, ...(comment === undefined ? {} : { comment }) };
}

function setFrom(kind: 'set' | 'map', j: Json, text: TextListing): NftSet | NftMap {
  const family = j.family as Family;
  const table = String(j.table);
  const name = String(j.name);
  const key = `${family} ${table} ${kind} ${name}`;
  const ty = text.typeofs.get(key);
  const flags = text.flags.get(key) ?? (Array.isArray(j.flags) ? (j.flags as SetFlag[]) : undefined);
  const timeout = num(j.timeout);
  const size = num(j.size);
  const comment = str(j.comment);
  const common = {
    family,
    table,
    name,
    ...(ty === undefined ? { type: typeText(j.type) } : { typeof: ty.key }),
    ...(flags === undefined ? {} : { flags }),
    ...(timeout === undefined ? {} : { timeout }),
    ...(size === undefined ? {} : { size }),
    ...(comment === undefined ? {} : { comment }),
  };
  if (kind === 'set') return { kind, ...common };
  return { kind, ...common, value: ty?.value ?? typeText(j.map) };
}

/**
 * Builds the canonical model from `nft -j list …` output and the matching `nft -a list …`
 * text. Throws `invalid('json', …)` if the JSON is not an nftables listing.
 */
export function readBack(jsonText: string, listingText: string): NftObject[] {
  let doc: unknown;
  try {
    doc = JSON.parse(jsonText);
  } catch (err) {
    throw invalid('json', 'nft -j output is not JSON', err);
  }
  if (!isJsonObject(doc) || !Array.isArray(doc.nftables)) throw invalid('json', 'missing "nftables" array');
  const text = parseTextListing(listingText);
  const out: NftObject[] = [];
  for (const item of doc.nftables) {
    if (!isJsonObject(item)) continue;
    if (isJsonObject(item.table)) out.push(tableFrom(item.table, text));
    else if (isJsonObject(item.chain)) out.push(chainFrom(item.chain, text));
    else if (isJsonObject(item.set) || isJsonObject(item.map)) {
      const kind = isJsonObject(item.set) ? 'set' : 'map';
      const j = (item.set ?? item.map) as Json;
      out.push(setFrom(kind, j, text));
      for (const e of Array.isArray(j.elem) ? j.elem : []) {
        out.push(elementFrom(j.family as Family, String(j.table), String(j.name), e));
      }
    }
  }
  out.push(...text.rules);
  return canonicalize(out);
}
