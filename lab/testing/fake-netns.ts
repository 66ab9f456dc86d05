/**
 * `NetnsOps` over a FakeNetlink's namespaces, so the whole adapter (observe, diff, apply) runs
 * in memory in unit tests. A fake namespace holds no processes, so there is nothing to kill.
 */
import type { FakeNetlink } from '../../lib/netlink/index.js';
import type { NetnsOps } from '../apply.js';

/** Namespace operations backed by `fake`'s namespaces. */
export function fakeNetns(fake: FakeNetlink): NetnsOps {
  return {
    create: (name) => fake.addNamespace(name),
    remove: (name) => {
      if (fake.namespaces().includes(name)) fake.removeNamespace(name);
    },
    list: () => fake.namespaces(),
    killProcesses: async () => [],
  };
}
