/**
 * Validation of transaction operations. It returns the error instead of throwing, because a
 * Transaction keeps the first error and reports it at run() (knftables' builder contract).
 */
import { invalid, type SwitchyardError } from '../errors/index.js';
import {
  CHAIN_TYPES,
  type Chain,
  type Element,
  FAMILIES,
  type Family,
  HOOKS,
  type Hook,
  type NftMap,
  type NftObject,
  type NftSet,
  type Operation,
  type Rule,
  SET_FLAGS,
} from './types.js';

/**
 * nft's scanner accepts identifiers of the form `[a-zA-Z_.][a-zA-Z0-9/\-_.]*` (scanner.l
 * `string`); kube-proxy relies on `/` and `-` in chain names. NFT_NAME_MAXLEN is 256.
 */
const NAME_RE = /^[A-Za-z_.][A-Za-z0-9/_.-]*$/;
const MAX_NAME = 256;
/** nft caps comments at 128 bytes (NFTNL_UDATA_COMMENT_MAXLEN). */
const MAX_COMMENT = 128;

const HOOKS_BY_FAMILY: Readonly<Record<Family, readonly Hook[]>> = {
  ip: ['prerouting', 'input', 'forward', 'output', 'postrouting'],
  ip6: ['prerouting', 'input', 'forward', 'output', 'postrouting'],
  inet: ['prerouting', 'input', 'forward', 'output', 'postrouting', 'ingress'],
  bridge: ['prerouting', 'input', 'forward', 'output', 'postrouting'],
  netdev: ['ingress', 'egress'],
  arp: ['input', 'output'],
};

type Check = SwitchyardError | undefined;

function checkName(field: string, value: unknown): Check {
  if (typeof value !== 'string' || value.length === 0) return invalid(field, 'must be a non-empty name');
  if (value.length > MAX_NAME) return invalid(field, `must be at most ${MAX_NAME} characters`);
  if (!NAME_RE.test(value)) {
    return invalid(field, `${JSON.stringify(value)} is not an nft identifier (letters, digits, _ . / -)`);
  }
  return undefined;
}

function checkText(field: string, value: unknown, forbidden: RegExp, what: string): Check {
  if (typeof value !== 'string' || value.trim().length === 0) return invalid(field, 'must be non-empty text');
  if (forbidden.test(value)) return invalid(field, `${JSON.stringify(value)} must not contain ${what}`);
  return undefined;
}

function checkComment(field: string, value: unknown): Check {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return invalid(field, 'must be a string');
  if (/["\n\r]/.test(value))
    return invalid(field, `${JSON.stringify(value)} must not contain quotes or newlines`);
  if (Buffer.byteLength(value) > MAX_COMMENT) return invalid(field, `must be at most ${MAX_COMMENT} bytes`);
  return undefined;
}

function checkPositiveInt(field: string, value: unknown): Check {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    return invalid(field, `must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return undefined;
}

function checkRef(obj: NftObject): Check {
  const kind = obj.kind;
  if (!FAMILIES.includes(obj.family)) {
    return invalid(`${kind}.family`, `${JSON.stringify(obj.family)} is not one of ${FAMILIES.join(', ')}`);
  }
  if (kind === 'table') return checkName('table.name', obj.name);
  const t = checkName(`${kind}.table`, obj.table);
  if (t) return t;
  switch (kind) {
    case 'chain':
    case 'set':
    case 'map':
      return checkName(`${kind}.name`, obj.name);
    case 'rule':
      return checkName('rule.chain', obj.chain);
    case 'element':
      return checkName('element.set', obj.set);
  }
}

function checkChain(c: Chain): Check {
  const base = [c.type, c.hook, c.priority].filter((v) => v !== undefined).length;
  if (base !== 0 && base !== 3) {
    return invalid('chain.type', `chain ${c.name}: a base chain needs type, hook and priority together`);
  }
  if (base === 0) {
    if (c.policy !== undefined)
      return invalid('chain.policy', `chain ${c.name}: only base chains have a policy`);
    if (c.device !== undefined)
      return invalid('chain.device', `chain ${c.name}: only base chains bind a device`);
    return checkComment('chain.comment', c.comment);
  }
  if (!CHAIN_TYPES.includes(c.type as never)) {
    return invalid('chain.type', `${JSON.stringify(c.type)} is not one of ${CHAIN_TYPES.join(', ')}`);
  }
  const hooks = HOOKS_BY_FAMILY[c.family];
  if (!HOOKS.includes(c.hook as never) || !hooks.includes(c.hook as Hook)) {
    return invalid(
      'chain.hook',
      `${JSON.stringify(c.hook)} is not a ${c.family} hook (want ${hooks.join(', ')})`,
    );
  }
  if (c.type === 'nat' && !['ip', 'ip6', 'inet'].includes(c.family)) {
    return invalid('chain.type', `nat chains exist only in ip, ip6 and inet tables, not ${c.family}`);
  }
  if (c.type === 'route' && c.hook !== 'output') {
    return invalid('chain.type', `route chains hook output only, not ${c.hook}`);
  }
  if (typeof c.priority !== 'number' || !Number.isInteger(c.priority)) {
    return invalid('chain.priority', `must be an integer, got ${JSON.stringify(c.priority)}`);
  }
  if (c.policy !== undefined && c.policy !== 'accept' && c.policy !== 'drop') {
    return invalid('chain.policy', `must be accept or drop, got ${JSON.stringify(c.policy)}`);
  }
  const needsDevice = c.hook === 'ingress' || c.hook === 'egress';
  if (needsDevice && c.device === undefined) {
    return invalid('chain.device', `chain ${c.name}: the ${c.hook} hook needs a device`);
  }
  if (!needsDevice && c.device !== undefined) {
    return invalid('chain.device', `chain ${c.name}: only ingress/egress chains bind a device`);
  }
  if (c.device !== undefined) {
    const d = checkText('chain.device', c.device, /["\s;{}]/, 'quotes, spaces, ";" or braces');
    if (d) return d;
  }
  return checkComment('chain.comment', c.comment);
}

function checkSet(s: NftSet | NftMap): Check {
  const k = s.kind;
  if ((s.type === undefined) === (s.typeof === undefined)) {
    return invalid(`${k}.type`, `${k} ${s.name}: give exactly one of type and typeof`);
  }
  const typeText = s.type ?? s.typeof;
  const t = checkText(
    `${k}.${s.type === undefined ? 'typeof' : 'type'}`,
    typeText,
    /[;{}:\n"]/,
    '";", ":", braces',
  );
  if (t) return t;
  if (s.kind === 'map') {
    const v = checkText('map.value', s.value, /[;{}:\n"]/, '";", ":", braces');
    if (v) return v;
  }
  for (const flag of s.flags ?? []) {
    if (!SET_FLAGS.includes(flag)) {
      return invalid(`${k}.flags`, `${JSON.stringify(flag)} is not one of ${SET_FLAGS.join(', ')}`);
    }
  }
  return (
    checkPositiveInt(`${k}.timeout`, s.timeout) ??
    checkPositiveInt(`${k}.size`, s.size) ??
    checkComment(`${k}.comment`, s.comment)
  );
}

function checkElement(e: Element, withValue: boolean): Check {
  const k = checkText('element.key', e.key, /[;{},\n"#]/, '";", ",", braces, quotes or "#"');
  if (k) return k;
  if (/ : /.test(e.key)) return invalid('element.key', `${JSON.stringify(e.key)} must not contain " : "`);
  if (withValue && e.value !== undefined) {
    const v = checkText('element.value', e.value, /[;{},\n"#]/, '";", ",", braces, quotes or "#"');
    if (v) return v;
  }
  return checkPositiveInt('element.timeout', e.timeout) ?? checkComment('element.comment', e.comment);
}

function checkRule(r: Rule, verb: Operation['verb']): Check {
  if (r.handle !== undefined) {
    const h = checkPositiveInt('rule.handle', r.handle);
    if (h) return h;
  }
  if ((verb === 'replace' || verb === 'delete') && r.handle === undefined) {
    return invalid('rule.handle', `${verb} rule in chain ${r.chain} needs the rule's handle`);
  }
  if (verb === 'delete') return undefined;
  // `;` and `#` would end the command or start a comment in the nft -f script and let a rule
  // body smuggle in other commands; a newline would split it.
  return (
    checkText('rule.rule', r.rule, /[;#\n\r]/, '";", "#" or newlines') ??
    checkComment('rule.comment', r.comment)
  );
}

const VERBS_BY_KIND: Readonly<Record<NftObject['kind'], readonly Operation['verb'][]>> = {
  table: ['add', 'create', 'flush', 'delete', 'destroy'],
  chain: ['add', 'create', 'flush', 'delete', 'destroy'],
  set: ['add', 'create', 'flush', 'delete', 'destroy'],
  map: ['add', 'create', 'flush', 'delete', 'destroy'],
  element: ['add', 'create', 'delete'],
  rule: ['add', 'insert', 'replace', 'delete'],
};

/** Checks one operation; returns the first problem as an `invalid` error, or undefined. */
export function validateOperation(op: Operation): SwitchyardError | undefined {
  const obj = op.object as NftObject | null | undefined;
  if (obj === null || typeof obj !== 'object') return invalid('object', `${op.verb}: expected an nft object`);
  const verbs = VERBS_BY_KIND[obj.kind];
  if (verbs === undefined)
    return invalid('object.kind', `${JSON.stringify(obj.kind)} is not an nft object kind`);
  if (!verbs.includes(op.verb)) {
    const hint = op.verb === 'destroy' ? ' (nft 1.0.6 has no destroy; delete the element instead)' : '';
    return invalid(`${obj.kind}`, `cannot ${op.verb} a ${obj.kind}${hint}`);
  }
  const ref = checkRef(obj);
  if (ref) return ref;
  const full = op.verb === 'add' || op.verb === 'create' || op.verb === 'insert' || op.verb === 'replace';
  switch (obj.kind) {
    case 'table':
      return full ? checkComment('table.comment', obj.comment) : undefined;
    case 'chain':
      return full ? checkChain(obj) : undefined;
    case 'set':
    case 'map':
      // destroy is rendered as add + delete, so it needs the full definition too.
      return full || op.verb === 'destroy' ? checkSet(obj) : undefined;
    case 'element':
      return checkElement(obj, full);
    case 'rule':
      return checkRule(obj, op.verb);
  }
}
