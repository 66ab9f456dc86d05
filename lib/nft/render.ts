/**
 * Renders operations as `nft -f` script lines, one command per line in knftables' style
 * (`add chain ip t c { … ; }`). Two nft 1.0.6 quirks shape the output: priorities are always
 * numeric, and every statement in a one-line block ends with `;` before `}`.
 */
import type { Chain, Element, NftMap, NftObject, NftSet, Operation, Rule, Table } from './types.js';

const quote = (text: string): string => `"${text}"`;

/** `block(['type filter', 'policy accept'])` → `{ type filter ; policy accept ; }`. */
function block(statements: readonly string[]): string {
  return statements.length === 0 ? '' : ` { ${statements.map((s) => `${s} ;`).join(' ')} }`;
}

/** The `KIND FAMILY TABLE [NAME]` head of a command. */
export function objectRef(obj: NftObject): string {
  switch (obj.kind) {
    case 'table':
      return `table ${obj.family} ${obj.name}`;
    case 'chain':
    case 'set':
    case 'map':
      return `${obj.kind} ${obj.family} ${obj.table} ${obj.name}`;
    case 'rule':
      return `rule ${obj.family} ${obj.table} ${obj.chain}`;
    case 'element':
      return `element ${obj.family} ${obj.table} ${obj.set}`;
  }
}

function tableSpec(t: Table): string {
  return block(t.comment === undefined ? [] : [`comment ${quote(t.comment)}`]);
}

function chainSpec(c: Chain): string {
  const s: string[] = [];
  if (c.type !== undefined && c.hook !== undefined && c.priority !== undefined) {
    const device = c.device === undefined ? '' : ` device ${quote(c.device)}`;
    s.push(`type ${c.type} hook ${c.hook}${device} priority ${c.priority}`);
    if (c.policy !== undefined) s.push(`policy ${c.policy}`);
  }
  if (c.comment !== undefined) s.push(`comment ${quote(c.comment)}`);
  return block(s);
}

function setSpec(s: NftSet | NftMap): string {
  const key = s.type === undefined ? `typeof ${s.typeof}` : `type ${s.type}`;
  const out = [s.kind === 'map' ? `${key} : ${s.value}` : key];
  if (s.flags !== undefined && s.flags.length > 0) out.push(`flags ${s.flags.join(',')}`);
  if (s.timeout !== undefined) out.push(`timeout ${s.timeout}s`);
  if (s.size !== undefined) out.push(`size ${s.size}`);
  if (s.comment !== undefined) out.push(`comment ${quote(s.comment)}`);
  return block(out);
}

/** `{ KEY [timeout Ns] [comment "…"] [: VALUE] }`, the element syntax of nft(8) "ELEMENTS". */
function elementSpec(e: Element, withValue: boolean): string {
  let text = e.key;
  if (withValue) {
    if (e.timeout !== undefined) text += ` timeout ${e.timeout}s`;
    if (e.comment !== undefined) text += ` comment ${quote(e.comment)}`;
    if (e.value !== undefined) text += ` : ${e.value}`;
  }
  return ` { ${text} }`;
}

function ruleText(r: Rule): string {
  return r.comment === undefined ? r.rule : `${r.rule} comment ${quote(r.comment)}`;
}

/** The full definition of an object as used by add/create. */
function spec(obj: NftObject): string {
  switch (obj.kind) {
    case 'table':
      return tableSpec(obj);
    case 'chain':
      return chainSpec(obj);
    case 'set':
    case 'map':
      return setSpec(obj);
    case 'element':
      return elementSpec(obj, true);
    case 'rule':
      return ` ${ruleText(obj)}`;
  }
}

function renderRule(verb: Operation['verb'], r: Rule): string {
  const head = `${verb} ${objectRef(r)}`;
  const handle = r.handle === undefined ? '' : ` handle ${r.handle}`;
  if (verb === 'delete') return `${head}${handle}`;
  return `${head}${handle} ${ruleText(r)}`;
}

/**
 * One operation as script lines. `destroy` (delete-if-present) does not exist in nft 1.0.6
 * (added in 1.0.8), so it is emulated the way knftables did before: `add` the object (a no-op
 * when present) and then `delete` it, both inside the same atomic transaction.
 */
export function renderOperation(op: Operation): string[] {
  const obj = op.object;
  switch (op.verb) {
    case 'add':
    case 'create':
    case 'insert':
    case 'replace':
      return obj.kind === 'rule' ? [renderRule(op.verb, obj)] : [`${op.verb} ${objectRef(obj)}${spec(obj)}`];
    case 'flush':
      return [`flush ${objectRef(obj)}`];
    case 'delete':
      if (obj.kind === 'rule') return [renderRule('delete', obj)];
      if (obj.kind === 'element') return [`delete ${objectRef(obj)}${elementSpec(obj, false)}`];
      return [`delete ${objectRef(obj)}`];
    case 'destroy': {
      // Chains: add without a spec is a no-op on an existing base chain too.
      const add = obj.kind === 'chain' ? `add ${objectRef(obj)}` : `add ${objectRef(obj)}${spec(obj)}`;
      return [add, `delete ${objectRef(obj)}`];
    }
  }
}

/** The whole `nft -f -` script for a list of operations, newline-terminated. */
export function renderScript(ops: readonly Operation[]): string {
  return ops.map((op) => `${renderOperation(op).join('\n')}\n`).join('');
}
