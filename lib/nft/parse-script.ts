/**
 * Parses the one-command-per-line scripts that render.ts writes (and FakeNft.dump() prints)
 * back into a Transaction. It understands exactly that subset of nft syntax, not nft's full
 * grammar; anything else is an `invalid('script', …)` error naming the line.
 */
import { invalid, type SwitchyardError } from '../errors/index.js';
import { Transaction } from './transaction.js';
import type {
  Chain,
  ChainPolicy,
  ChainType,
  Family,
  Hook,
  NftMap,
  NftObject,
  NftSet,
  SetFlag,
  Verb,
} from './types.js';

const VERBS = new Set<string>(['add', 'create', 'insert', 'replace', 'flush', 'delete', 'destroy']);

/** Splits `a ; b "x;y" ; c` on semicolons outside double quotes. */
function splitStatements(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === ';' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur.trim());
  return out.filter((s) => s.length > 0);
}

/** `{ … }` → inner text, or undefined when the rest is empty. */
function blockBody(rest: string, line: number): string | undefined {
  const t = rest.trim();
  if (t === '') return undefined;
  if (!t.startsWith('{') || !t.endsWith('}'))
    throw invalid('script', `line ${line}: expected "{ … }", got ${t}`);
  return t.slice(1, -1).trim();
}

const unquote = (s: string): string => s.replace(/^"(.*)"$/, '$1');

function parseChainBlock(base: Chain, body: string | undefined, line: number): Chain {
  let c: Chain = base;
  for (const st of splitStatements(body ?? '')) {
    const hook = /^type (\S+) hook (\S+)(?: device (\S+))? priority (-?\d+)$/.exec(st);
    if (hook) {
      c = {
        ...c,
        type: hook[1] as ChainType,
        hook: hook[2] as Hook,
        priority: Number(hook[4]),
        ...(hook[3] === undefined ? {} : { device: unquote(hook[3]) }),
      };
      continue;
    }
    const m = /^(policy|comment) (.+)$/.exec(st);
    if (m?.[1] === 'policy') c = { ...c, policy: m[2] as ChainPolicy };
    else if (m?.[1] === 'comment') c = { ...c, comment: unquote(m[2] ?? '') };
    else throw invalid('script', `line ${line}: unknown chain statement ${JSON.stringify(st)}`);
  }
  return c;
}

function parseSetBlock(base: NftSet | NftMap, body: string | undefined, line: number): NftSet | NftMap {
  const s: Record<string, unknown> = { ...base };
  for (const st of splitStatements(body ?? '')) {
    const m = /^(type|typeof|flags|timeout|size|comment) (.+)$/.exec(st);
    const word = m?.[1];
    const arg = m?.[2] ?? '';
    if (word === 'type' || word === 'typeof') {
      const [key, value] = arg.split(' : ');
      s[word] = key;
      if (base.kind === 'map' && value !== undefined) s.value = value;
    } else if (word === 'flags') s.flags = arg.split(',').map((f) => f.trim() as SetFlag);
    else if (word === 'timeout') s.timeout = Number(/^(\d+)s$/.exec(arg)?.[1] ?? Number.NaN);
    else if (word === 'size') s.size = Number(arg);
    else if (word === 'comment') s.comment = unquote(arg);
    else throw invalid('script', `line ${line}: unknown ${base.kind} statement ${JSON.stringify(st)}`);
  }
  return s as unknown as NftSet | NftMap;
}

function parseLine(text: string, line: number): { verb: Verb; object: NftObject } {
  const m = /^(\S+) (table|chain|set|map|element|rule) (\S+) (\S+)(?: (\S+))?(.*)$/.exec(text);
  if (!m || !VERBS.has(m[1] ?? ''))
    throw invalid('script', `line ${line}: cannot parse ${JSON.stringify(text)}`);
  const verb = m[1] as Verb;
  const kind = m[2] as NftObject['kind'];
  const family = m[3] as Family;
  const table = m[4] ?? '';
  const name = m[5] ?? '';
  const rest = m[6] ?? '';
  switch (kind) {
    case 'table': {
      // For tables the optional 5th word is the start of the block.
      const body = blockBody(`${name}${rest}`, line);
      const comment = /^comment "(.*)" ;$/.exec(body ?? '')?.[1];
      return { verb, object: { kind, family, name: table, ...(comment === undefined ? {} : { comment }) } };
    }
    case 'chain':
      return { verb, object: parseChainBlock({ kind, family, table, name }, blockBody(rest, line), line) };
    case 'set':
    case 'map':
      return { verb, object: parseSetBlock({ kind, family, table, name }, blockBody(rest, line), line) };
    case 'element': {
      const inner = blockBody(rest, line) ?? '';
      const [keyPart = '', value] = inner.split(' : ');
      const em = /^(.*?)(?: timeout (\d+)s)?(?: comment "([^"]*)")?$/.exec(keyPart.trim());
      return {
        verb,
        object: {
          kind,
          family,
          table,
          set: name,
          key: em?.[1] ?? keyPart,
          ...(value === undefined ? {} : { value: value.trim() }),
          ...(em?.[2] === undefined ? {} : { timeout: Number(em[2]) }),
          ...(em?.[3] === undefined ? {} : { comment: em[3] }),
        },
      };
    }
    case 'rule': {
      const rm = /^(?: handle (\d+))?(?: (.*?))?(?: comment "([^"]*)")?$/.exec(rest);
      return {
        verb,
        object: {
          kind,
          family,
          table,
          chain: name,
          rule: rm?.[2] ?? '',
          ...(rm?.[1] === undefined ? {} : { handle: Number(rm[1]) }),
          ...(rm?.[3] === undefined ? {} : { comment: rm[3] }),
        },
      };
    }
  }
}

/**
 * Parses a script into a Transaction. Throws `invalid('script', …)` on lines it cannot read,
 * and returns the transaction's own validation error the same way.
 */
export function parseScript(script: string): Transaction {
  const tx = new Transaction();
  const lines = script.split('\n');
  lines.forEach((raw, i) => {
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) return;
    const { verb, object } = parseLine(text, i + 1);
    switch (verb) {
      case 'add':
        tx.add(object);
        break;
      case 'create':
        tx.create(object);
        break;
      case 'insert':
      case 'replace':
        if (object.kind !== 'rule') throw invalid('script', `line ${i + 1}: ${verb} applies to rules only`);
        tx[verb](object);
        break;
      case 'flush':
        tx.flush(object);
        break;
      case 'delete':
        tx.delete(object);
        break;
      case 'destroy':
        tx.destroy(object);
        break;
    }
    const err: SwitchyardError | undefined = tx.error;
    if (err !== undefined) throw invalid('script', `line ${i + 1}: ${err.message}`, err);
  });
  return tx;
}
