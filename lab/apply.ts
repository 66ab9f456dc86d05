/**
 * The thin adapter between the lab's plan and the kernel: observe what exists, let the pure
 * diff decide, carry out its actions one by one. Every action tolerates the state it wants
 * already being there (EEXIST on create, ENOENT on delete), so two `up`s racing, or an `up`
 * after a crash, still converge.
 */
import { isAlreadyExists, isNotFound } from '../lib/errors/index.js';
import type { Netlink } from '../lib/netlink/index.js';
import { createNetns, deleteNetns, listNetns } from '../lib/netns/index.js';
import { describeAction, diffLab, type LabAction, type ObservedLab, type ObservedNamespace } from './diff.js';
import { type LabPlan, labTargetOf } from './plan.js';
import { killNetnsProcesses } from './procs.js';

/**
 * The part of lib/netlink's `Netlink` the lab uses (the kernel adapter or FakeNetlink).
 */
export type LabNetlink = Pick<
  Netlink,
  | 'listLinks'
  | 'createVeth'
  | 'createBridge'
  | 'setLink'
  | 'deleteLink'
  | 'listAddresses'
  | 'addAddress'
  | 'listRoutes'
  | 'replaceRoute'
  | 'deleteRoute'
  | 'getSysctl'
  | 'setSysctl'
  | 'dispose'
>;

/** Creating, deleting and listing named namespaces; lib/netns by default. */
export interface NetnsOps {
  create(name: string): void;
  /** Deletes; a missing namespace is fine. */
  remove(name: string): void;
  list(): readonly string[];
  /** Ends the processes inside namespaces about to be deleted. */
  killProcesses(names: readonly string[]): Promise<unknown>;
}

/** The real namespaces of this machine. */
export const kernelNetns: NetnsOps = {
  create: createNetns,
  remove: (name) => deleteNetns(name, { ignoreMissing: true }),
  list: listNetns,
  killProcesses: (names) => killNetnsProcesses(names),
};

/** What the adapter needs. */
export interface ApplyDeps {
  readonly netlink: LabNetlink;
  readonly netns: NetnsOps;
}

/** Reads the parts of the lab the plan cares about. Namespaces that do not exist are absent. */
export async function observeLab(plan: LabPlan, deps: ApplyDeps): Promise<ObservedLab> {
  const present = new Set(deps.netns.list());
  const entries = await Promise.all(
    plan.namespaces
      .filter((n) => present.has(n.name))
      .map(async (n): Promise<[string, ObservedNamespace]> => {
        const [links, addresses, routes] = await Promise.all([
          deps.netlink.listLinks(n.name),
          deps.netlink.listAddresses(n.name, { family: 4 }),
          deps.netlink.listRoutes(n.name, { table: 254, family: 4 }),
        ]);
        const keys = plan.sysctls.filter((s) => s.namespace === n.name).map((s) => s.key);
        const values = await Promise.all(keys.map((k) => deps.netlink.getSysctl(n.name, k)));
        return [
          n.name,
          {
            links: new Map(
              links.map((l) => [
                l.name,
                {
                  up: l.up,
                  ...(l.kind === undefined ? {} : { kind: l.kind }),
                  ...(l.master === undefined ? {} : { master: l.master }),
                },
              ]),
            ),
            addresses: new Set(addresses.map((a) => `${a.link} ${a.address}`)),
            routes: new Set(routes.filter((r) => r.gateway).map((r) => `${r.dst} via ${r.gateway}`)),
            sysctls: new Map(keys.map((k, i) => [k, values[i] ?? ''])),
          },
        ];
      }),
  );
  return { namespaces: new Map(entries) };
}

/** Runs `op`, treating the errors `ok` accepts as success (the state wanted is already there). */
async function tolerate(op: () => Promise<void> | void, ok: (err: unknown) => boolean): Promise<void> {
  try {
    await op();
  } catch (err: unknown) {
    if (!ok(err)) throw err;
  }
}

/** Carries out one action. */
export async function runAction(a: LabAction, deps: ApplyDeps): Promise<void> {
  const nl = deps.netlink;
  switch (a.op) {
    case 'delete-netns':
      await deps.netns.killProcesses([a.namespace]);
      deps.netns.remove(a.namespace);
      return;
    case 'create-netns':
      return tolerate(() => deps.netns.create(a.namespace), isAlreadyExists);
    case 'delete-link':
      return tolerate(() => nl.deleteLink(a.namespace, a.name), isNotFound);
    case 'create-bridge':
      return tolerate(() => nl.createBridge(a.namespace, { name: a.name }), isAlreadyExists);
    case 'create-veth':
      return nl.createVeth(a.namespace, { name: a.name, peerName: a.peerName, peerNs: a.peerNamespace });
    case 'set-master':
      return nl.setLink(a.namespace, { name: a.name, master: a.master });
    case 'add-address':
      return tolerate(() => nl.addAddress(a.namespace, { link: a.dev, address: a.cidr }), isAlreadyExists);
    case 'replace-route':
      return nl.replaceRoute(a.namespace, { dst: a.dst, gateway: a.via, dev: a.dev });
    case 'delete-route':
      return tolerate(() => nl.deleteRoute(a.namespace, { dst: a.dst, gateway: a.via }), isNotFound);
    case 'set-sysctl':
      return nl.setSysctl(a.namespace, { key: a.key, value: a.value });
    case 'set-up':
      return nl.setLink(a.namespace, { name: a.dev, up: true });
  }
}

/** Observes, diffs and applies; resolves with the actions taken, as text (empty: nothing to do). */
export async function applyPlan(plan: LabPlan, deps: ApplyDeps): Promise<string[]> {
  const existing = deps.netns.list().filter((n) => labTargetOf(plan.prefix, n) !== undefined);
  const actions = diffLab(plan, await observeLab(plan, deps), existing);
  for (const a of actions) await runAction(a, deps);
  return actions.map(describeAction);
}
