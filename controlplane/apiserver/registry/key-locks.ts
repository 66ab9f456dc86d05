/**
 * Writers of one key on this server take turns, so a burst of patches to one object does not
 * spin on store conflicts; conflicts then come only from other API servers on the store.
 */

/** Runs tasks of the same key one after another (tasks of different keys run concurrently). */
export class KeyedSerializer {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
