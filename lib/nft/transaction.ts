/**
 * A Transaction queues nft commands to run as one atomic `nft -f -` (STYLE.md habit 3).
 * Builder methods never throw: the first validation error is kept, later calls are ignored,
 * and run()/check() report it. That keeps sync code that builds hundreds of operations linear
 * (the knftables contract).
 */
import type { SwitchyardError } from '../errors/index.js';
import { renderScript } from './render.js';
import type { Element, NftObject, Operation, Rule, Verb } from './types.js';
import { validateOperation } from './validate.js';

/** A batch of nft commands, applied all-or-nothing by {@link Nft.run}. */
export class Transaction {
  readonly #ops: Operation[] = [];
  #error: SwitchyardError | undefined;

  #push(verb: Verb, object: NftObject): this {
    if (this.#error !== undefined) return this;
    const op: Operation = { verb, object };
    const err = validateOperation(op);
    if (err !== undefined) {
      this.#error = err;
      return this;
    }
    this.#ops.push(op);
    return this;
  }

  /** `add`: create the object, or do nothing when it exists (element with another value: error). */
  add(object: NftObject): this {
    return this.#push('add', object);
  }

  /** `create`: like add, but an existing object is an error. */
  create(object: NftObject): this {
    return this.#push('create', object);
  }

  /** `insert rule`: prepend, or insert before `handle`. */
  insert(rule: Rule): this {
    return this.#push('insert', rule);
  }

  /** `replace rule`: replace the rule with `handle`. */
  replace(rule: Rule): this {
    return this.#push('replace', rule);
  }

  /** `flush`: remove a table's rules, a chain's rules, or a set's/map's elements. */
  flush(object: NftObject): this {
    return this.#push('flush', object);
  }

  /** `delete`: remove the object; missing is an error (isNotFound). Rules need a handle. */
  delete(object: NftObject): this {
    return this.#push('delete', object);
  }

  /**
   * Delete if present (tables, chains, sets, maps). nft 1.0.6 has no `destroy` command (checked
   * on this machine: "syntax error, unexpected table"), so it renders as `add` + `delete`.
   * Sets and maps therefore need their full definition.
   */
  destroy(object: NftObject): this {
    return this.#push('destroy', object);
  }

  /** Adds each element (the usual map/set update). */
  addElements(elements: Iterable<Element>): this {
    for (const e of elements) this.add(e);
    return this;
  }

  /** Deletes each element. */
  deleteElements(elements: Iterable<Element>): this {
    for (const e of elements) this.delete(e);
    return this;
  }

  /** The first validation error, if any. */
  get error(): SwitchyardError | undefined {
    return this.#error;
  }

  /** The queued operations, in order. */
  get operations(): readonly Operation[] {
    return this.#ops;
  }

  /** Number of queued operations. */
  get size(): number {
    return this.#ops.length;
  }

  /** The exact script given to `nft -f -`. */
  toString(): string {
    return renderScript(this.#ops);
  }
}
