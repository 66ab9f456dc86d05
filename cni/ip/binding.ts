/**
 * Access to the few Node bindings on `process.binding`'s allow-list that the plugins use to
 * avoid loading heavy public modules at start-up (spawn.ts, host-local/lock.ts). Newer Node
 * versions print a DeprecationWarning (DEP0111) on the first call; the plugins know, and a
 * warning on a plugin's stderr would only confuse the runtime's logs, so it is silenced for
 * the duration of the call. Returns undefined when the binding cannot be had: callers then use
 * the public module.
 */

interface ProcessWithBinding {
  binding?: (name: string) => unknown;
  noDeprecation?: boolean | undefined;
}

type BindingName = 'spawn_sync' | 'pipe_wrap';

const looked = new Map<BindingName, unknown>();

/**
 * `process.binding(name)`, or undefined when this Node has no such binding on its allow-list.
 * Looked up once per process (the lock asks again on every retry).
 */
export function processBinding(name: BindingName): unknown {
  if (!looked.has(name)) looked.set(name, lookUp(name));
  return looked.get(name);
}

function lookUp(name: BindingName): unknown {
  if (process.env.SWITCHYARD_CNI_NO_BINDINGS === '1') return undefined;
  const p = process as unknown as ProcessWithBinding;
  if (typeof p.binding !== 'function') return undefined;
  const quiet = p.noDeprecation;
  p.noDeprecation = true;
  try {
    return p.binding(name);
  } catch {
    return undefined;
  } finally {
    p.noDeprecation = quiet;
  }
}
