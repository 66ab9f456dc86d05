/**
 * FakeNft: an in-memory, transactional nftables with nft's semantics for the cases a
 * data plane meets (checked against nft 1.0.6 on kernel 6.x, see fake-vs-kernel in
 * nft.netns.test.ts): `add` is idempotent, `create` of an existing object and `add element`
 * with a different value fail with "File exists", deleting or flushing a missing object fails
 * with "No such file or directory", and deleting a chain that has rules or is jumped to, or a
 * set a rule uses, fails with "Device or resource busy". A transaction is applied to a copy
 * and committed only when every operation succeeds.
 */
import { EBUSY, EEXIST, ENOENT, EOPNOTSUPP } from '../errors/index.js';
import { canonicalize, canonicalObject, dumpObjects, normalizeRuleText } from './canonical.js';
import { intervalOf, normalizeElementText } from './element-text.js';
import { fakeNftError, fakeNftMessageError } from './errors.js';
import type { Nft } from './nft.js';
import { parseScript } from './parse-script.js';
import { renderOperation } from './render.js';
import type { Transaction } from './transaction.js';
import type { Chain, Element, Family, NftMap, NftObject, NftSet, Operation, Rule, Table } from './types.js';

interface ChainState {
  chain: Chain;
  rules: Rule[];
}

interface SetState {
  set: NftSet | NftMap;
  elements: Map<string, Element>;
}

interface TableState {
  table: Table;
  chains: Map<string, ChainState>;
  sets: Map<string, SetState>;
  nextHandle: number;
}

type State = Map<string, TableState>;

const tableKey = (family: Family, name: string): string => `${family} ${name}`;
const squash = (text: string): string => text.trim().replace(/\s+/g, ' ');

/** Flags as the kernel keeps them (a default timeout implies the timeout flag). */
function flagsOf(s: NftSet | NftMap): string {
  const c = canonicalObject(s) as NftSet | NftMap;
  return (c.flags ?? []).join();
}

/** Names of sets/maps (`@name`) and chains (`jump`/`goto name`) a rule or map value refers to. */
function references(text: string): { sets: string[]; chains: string[] } {
  const sets = [...text.matchAll(/@([A-Za-z_.][A-Za-z0-9/_.-]*)/g)].map((m) => m[1] ?? '');
  const chains = [...text.matchAll(/\b(?:jump|goto) ([A-Za-z_.][A-Za-z0-9/_.-]*)/g)].map((m) => m[1] ?? '');
  return { sets, chains };
}

class Applier {
  readonly #state: State;
  #command = '';

  constructor(state: State) {
    this.#state = state;
  }

  #fail(errno: number): never {
    throw fakeNftError(errno, this.#command);
  }

  #table(family: Family, name: string): TableState {
    return this.#state.get(tableKey(family, name)) ?? this.#fail(ENOENT);
  }

  #chain(t: TableState, name: string): ChainState {
    return t.chains.get(name) ?? this.#fail(ENOENT);
  }

  #set(t: TableState, name: string): SetState {
    return t.sets.get(name) ?? this.#fail(ENOENT);
  }

  apply(op: Operation): void {
    this.#command = renderOperation(op).join('; ');
    const o = op.object;
    switch (o.kind) {
      case 'table':
        this.#applyTable(op.verb, o);
        return;
      case 'chain':
        this.#applyChain(op.verb, o);
        return;
      case 'set':
      case 'map':
        this.#applySet(op.verb, o);
        return;
      case 'element':
        this.#applyElement(op.verb, o);
        return;
      case 'rule':
        this.#applyRule(op.verb, o);
        return;
    }
  }

  #applyTable(verb: Operation['verb'], o: Table): void {
    const key = tableKey(o.family, o.name);
    const existing = this.#state.get(key);
    switch (verb) {
      case 'add':
      case 'create':
        if (existing) {
          if (verb === 'create') this.#fail(EEXIST);
          return;
        }
        this.#state.set(key, { table: { ...o }, chains: new Map(), sets: new Map(), nextHandle: 1 });
        return;
      case 'flush':
        // nft flushes the rules of every chain; sets and maps keep their elements.
        for (const c of this.#table(o.family, o.name).chains.values()) c.rules = [];
        return;
      case 'delete':
        this.#table(o.family, o.name);
        this.#state.delete(key);
        return;
      case 'destroy':
        this.#state.delete(key);
        return;
      default:
        this.#fail(EOPNOTSUPP);
    }
  }

  #applyChain(verb: Operation['verb'], o: Chain): void {
    const t = this.#table(o.family, o.table);
    const existing = t.chains.get(o.name);
    switch (verb) {
      case 'add':
      case 'create': {
        if (!existing) {
          t.chains.set(o.name, { chain: { ...o }, rules: [] });
          t.nextHandle += 1;
          return;
        }
        if (verb === 'create') this.#fail(EEXIST);
        const was = existing.chain;
        if (o.hook === undefined) return;
        if (was.hook === undefined) this.#fail(EEXIST);
        if (was.type !== o.type || was.hook !== o.hook || was.priority !== o.priority) this.#fail(EOPNOTSUPP);
        // Re-adding a base chain may change its policy (what kube-proxy relies on).
        if (o.policy !== undefined) existing.chain = { ...was, policy: o.policy };
        return;
      }
      case 'flush':
        this.#chain(t, o.name).rules = [];
        return;
      case 'delete':
      case 'destroy': {
        const c = verb === 'delete' ? this.#chain(t, o.name) : existing;
        if (!c) return;
        if (c.rules.length > 0 || this.#chainReferenced(t, o.name)) this.#fail(EBUSY);
        t.chains.delete(o.name);
        return;
      }
      default:
        this.#fail(EOPNOTSUPP);
    }
  }

  #chainReferenced(t: TableState, name: string): boolean {
    for (const c of t.chains.values()) {
      if (c.rules.some((r) => references(r.rule).chains.includes(name))) return true;
    }
    for (const s of t.sets.values()) {
      for (const e of s.elements.values()) {
        if (e.value !== undefined && references(e.value).chains.includes(name)) return true;
      }
    }
    return false;
  }

  #applySet(verb: Operation['verb'], o: NftSet | NftMap): void {
    const t = this.#table(o.family, o.table);
    const existing = t.sets.get(o.name);
    const sameShape = (a: NftSet | NftMap, b: NftSet | NftMap): boolean =>
      a.kind === b.kind &&
      squash(a.type ?? a.typeof ?? '') === squash(b.type ?? b.typeof ?? '') &&
      (a.kind !== 'map' || b.kind !== 'map' || squash(a.value ?? '') === squash(b.value ?? '')) &&
      flagsOf(a) === flagsOf(b);
    switch (verb) {
      case 'add':
      case 'create':
        if (!existing) {
          t.sets.set(o.name, { set: { ...o }, elements: new Map() });
          t.nextHandle += 1;
          return;
        }
        if (verb === 'create' || !sameShape(existing.set, o)) this.#fail(EEXIST);
        return;
      case 'flush':
        this.#set(t, o.name).elements.clear();
        return;
      case 'delete':
      case 'destroy': {
        if (verb === 'destroy' && existing && !sameShape(existing.set, o)) this.#fail(EEXIST);
        if (verb === 'delete') this.#set(t, o.name);
        if (!existing) return;
        for (const c of t.chains.values()) {
          if (c.rules.some((r) => references(r.rule).sets.includes(o.name))) this.#fail(EBUSY);
        }
        t.sets.delete(o.name);
        return;
      }
      default:
        this.#fail(EOPNOTSUPP);
    }
  }

  #applyElement(verb: Operation['verb'], o: Element): void {
    const t = this.#table(o.family, o.table);
    const s = this.#set(t, o.set);
    const key = normalizeElementText(o.key);
    const existing = s.elements.get(key);
    switch (verb) {
      case 'add':
      case 'create': {
        const isMap = s.set.kind === 'map';
        // nft: "set is not a map" / a map element without data; both are command errors.
        if (isMap !== (o.value !== undefined)) this.#fail(EOPNOTSUPP);
        if (o.value !== undefined) {
          for (const chain of references(o.value).chains) this.#chain(t, chain);
        }
        const value = o.value === undefined ? undefined : normalizeElementText(o.value);
        if (existing) {
          if (verb === 'create' || existing.value !== value) this.#fail(EEXIST);
          // Re-adding refreshes the timeout (the comment stays), as the kernel does.
          if (o.timeout !== undefined) s.elements.set(key, { ...existing, timeout: o.timeout });
          return;
        }
        if (s.set.flags?.includes('interval')) this.#checkOverlap(s, key);
        s.elements.set(key, { ...o, key, ...(value === undefined ? {} : { value }) });
        return;
      }
      case 'delete':
        if (!existing) this.#fail(ENOENT);
        s.elements.delete(key);
        return;
      default:
        this.#fail(EOPNOTSUPP);
    }
  }

  /** nft refuses an interval that overlaps an existing one without being identical to it. */
  #checkOverlap(s: SetState, key: string): void {
    const iv = intervalOf(key);
    if (iv === undefined) return;
    for (const other of s.elements.keys()) {
      const ov = intervalOf(other);
      if (ov && ov.family === iv.family && ov.lo <= iv.hi && iv.lo <= ov.hi) {
        throw fakeNftMessageError('interval overlaps with an existing one', this.#command);
      }
    }
  }

  #applyRule(verb: Operation['verb'], o: Rule): void {
    const t = this.#table(o.family, o.table);
    const c = this.#chain(t, o.chain);
    const at = o.handle === undefined ? -1 : c.rules.findIndex((r) => r.handle === o.handle);
    if (o.handle !== undefined && at < 0) this.#fail(ENOENT);
    if (verb === 'delete') {
      c.rules.splice(at, 1);
      return;
    }
    const refs = references(o.rule);
    for (const name of refs.sets) this.#set(t, name);
    for (const name of refs.chains) this.#chain(t, name);
    const { handle: _position, ...body } = o;
    const rule: Rule = { ...body, rule: normalizeRuleText(o.rule), handle: t.nextHandle };
    t.nextHandle += 1;
    switch (verb) {
      case 'add':
        c.rules.splice(at < 0 ? c.rules.length : at + 1, 0, rule);
        return;
      case 'insert':
        c.rules.splice(at < 0 ? 0 : at, 0, rule);
        return;
      case 'replace':
        c.rules.splice(at, 1, rule);
        return;
      default:
        this.#fail(EOPNOTSUPP);
    }
  }
}

function objectsOf(t: TableState): NftObject[] {
  const out: NftObject[] = [t.table];
  for (const c of t.chains.values()) out.push(c.chain, ...c.rules);
  for (const s of t.sets.values()) out.push(s.set, ...s.elements.values());
  return out;
}

/** An in-memory Nft with nft's transaction and error semantics, and a sorted dump. */
export class FakeNft implements Nft {
  #state: State = new Map();

  #applyToCopy(tx: Transaction): State {
    if (tx.error !== undefined) throw tx.error;
    const copy = structuredClone(this.#state);
    const applier = new Applier(copy);
    for (const op of tx.operations) applier.apply(op);
    return copy;
  }

  /** Applies the transaction to a copy and commits it only if every operation succeeds. */
  async run(tx: Transaction): Promise<void> {
    this.#state = this.#applyToCopy(tx);
  }

  /** Like run, but discards the result. */
  async check(tx: Transaction): Promise<void> {
    this.#applyToCopy(tx);
  }

  async listTable(family: Family, name: string): Promise<NftObject[]> {
    const t = this.#state.get(tableKey(family, name));
    if (!t) throw fakeNftError(ENOENT, `list table ${family} ${name}`);
    return canonicalize(objectsOf(t));
  }

  async listRuleset(): Promise<NftObject[]> {
    return canonicalize([...this.#state.values()].flatMap(objectsOf));
  }

  /** The whole state as a sorted canonical `nft -f` script of `add` commands. */
  dump(): string {
    return dumpObjects([...this.#state.values()].flatMap(objectsOf));
  }

  /**
   * Replaces the state with a dump (or any script of the syntax render.ts writes), applied as
   * one transaction to an empty ruleset.
   */
  parseDump(script: string): void {
    const fresh = new FakeNft();
    fresh.#state = new Map();
    const next = fresh.#applyToCopy(parseScript(script));
    this.#state = next;
  }
}
