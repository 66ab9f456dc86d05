/**
 * Pure convergence: what the lab looks like now (observed) against what it should be (the
 * plan) gives the ordered list of actions that close the gap. Running `up` on a finished lab
 * yields no actions; on a half-built one (a crash, a deleted link) only the missing steps.
 */
import type { LabPlan } from './plan.js';
import { FABRIC } from './plan.js';

/** One link as far as the lab cares. */
export interface ObservedLink {
  readonly kind?: string;
  readonly up: boolean;
  readonly master?: string;
}

/** One existing namespace as far as the lab cares. */
export interface ObservedNamespace {
  readonly links: ReadonlyMap<string, ObservedLink>;
  /** `dev cidr` pairs, e.g. `eth0 172.30.0.11/16`. */
  readonly addresses: ReadonlySet<string>;
  /** Main-table IPv4 routes as `dst via gateway`, e.g. `172.30.200.0/24 via 172.30.0.254`. */
  readonly routes: ReadonlySet<string>;
  /** Current values of the sysctls the plan sets. */
  readonly sysctls: ReadonlyMap<string, string>;
}

/** What exists of a lab: its namespaces by name (only those that exist). */
export interface ObservedLab {
  readonly namespaces: ReadonlyMap<string, ObservedNamespace>;
}

/** One step towards the plan. */
export type LabAction =
  | { readonly op: 'delete-netns'; readonly namespace: string }
  | { readonly op: 'create-netns'; readonly namespace: string }
  | { readonly op: 'delete-link'; readonly namespace: string; readonly name: string; readonly reason: string }
  | { readonly op: 'create-bridge'; readonly namespace: string; readonly name: string }
  | {
      readonly op: 'create-veth';
      readonly namespace: string;
      readonly name: string;
      readonly peerNamespace: string;
      readonly peerName: string;
    }
  | { readonly op: 'set-master'; readonly namespace: string; readonly name: string; readonly master: string }
  | { readonly op: 'add-address'; readonly namespace: string; readonly dev: string; readonly cidr: string }
  | {
      readonly op: 'replace-route';
      readonly namespace: string;
      readonly dst: string;
      readonly via: string;
      readonly dev: string;
    }
  | { readonly op: 'delete-route'; readonly namespace: string; readonly dst: string; readonly via: string }
  | { readonly op: 'set-sysctl'; readonly namespace: string; readonly key: string; readonly value: string }
  | { readonly op: 'set-up'; readonly namespace: string; readonly dev: string };

const EMPTY: ObservedNamespace = {
  links: new Map(),
  addresses: new Set(),
  routes: new Set(),
  sysctls: new Map(),
};

/**
 * The actions that turn `observed` into `plan`, in an order that works: namespaces, then links
 * (bridge before the veths enslaved to it), masters, addresses, routes, sysctls, and links up
 * last so nothing carries traffic half-configured. `existingUnderPrefix` lists every namespace
 * already carrying the lab's prefix; those the plan no longer has (fewer nodes) are deleted.
 */
export function diffLab(
  plan: LabPlan,
  observed: ObservedLab,
  existingUnderPrefix: readonly string[],
): LabAction[] {
  const actions: LabAction[] = [];
  const planned = new Set(plan.namespaces.map((n) => n.name));
  const ns = (name: string): ObservedNamespace => observed.namespaces.get(name) ?? EMPTY;

  for (const name of [...existingUnderPrefix].sort()) {
    if (!planned.has(name)) actions.push({ op: 'delete-netns', namespace: name });
  }
  for (const n of plan.namespaces) {
    if (!observed.namespaces.has(n.name)) actions.push({ op: 'create-netns', namespace: n.name });
  }

  for (const b of plan.bridges) {
    const link = ns(b.namespace).links.get(b.name);
    if (link && link.kind !== 'bridge') {
      actions.push({
        op: 'delete-link',
        namespace: b.namespace,
        name: b.name,
        reason: `is a ${link.kind ?? 'plain'} link, not a bridge`,
      });
    }
    if (link?.kind !== 'bridge') actions.push({ op: 'create-bridge', namespace: b.namespace, name: b.name });
  }

  for (const v of plan.veths) {
    const end = ns(v.namespace).links.get(v.name);
    const peer = ns(v.peerNamespace).links.get(v.peerName);
    const whole = end?.kind === 'veth' && peer?.kind === 'veth';
    if (!whole) {
      // A veth's two ends exist together or not at all; one end alone (or a link of another kind
      // under our name) is somebody else's, or a leftover of a moved namespace: replace it.
      if (end)
        actions.push({ op: 'delete-link', namespace: v.namespace, name: v.name, reason: 'not our veth' });
      if (peer) {
        actions.push({
          op: 'delete-link',
          namespace: v.peerNamespace,
          name: v.peerName,
          reason: 'not our veth',
        });
      }
      actions.push({
        op: 'create-veth',
        namespace: v.namespace,
        name: v.name,
        peerNamespace: v.peerNamespace,
        peerName: v.peerName,
      });
    }
    if (!whole || peer?.master !== v.peerMaster) {
      actions.push({ op: 'set-master', namespace: v.peerNamespace, name: v.peerName, master: v.peerMaster });
    }
  }

  for (const a of plan.addresses) {
    if (!ns(a.namespace).addresses.has(`${a.dev} ${a.cidr}`)) {
      actions.push({ op: 'add-address', namespace: a.namespace, dev: a.dev, cidr: a.cidr });
    }
  }

  const wantedRoutes = new Set(plan.routes.map((r) => `${r.namespace} ${r.dst} via ${r.via}`));
  for (const r of plan.routes) {
    if (!ns(r.namespace).routes.has(`${r.dst} via ${r.via}`)) {
      actions.push({ op: 'replace-route', namespace: r.namespace, dst: r.dst, via: r.via, dev: r.dev });
    }
  }
  // The only route the lab manages beyond connected ones is the client's way to the LB pool in
  // BGP mode; switching back to L2 takes it away. Other routes belong to other components.
  for (const n of plan.namespaces.filter((m) => m.role === 'client')) {
    const route = `${FABRIC.lbPool} via ${FABRIC.routerAddress}`;
    if (ns(n.name).routes.has(route) && !wantedRoutes.has(`${n.name} ${route}`)) {
      actions.push({ op: 'delete-route', namespace: n.name, dst: FABRIC.lbPool, via: FABRIC.routerAddress });
    }
  }

  for (const s of plan.sysctls) {
    if (ns(s.namespace).sysctls.get(s.key) !== s.value) {
      actions.push({ op: 'set-sysctl', namespace: s.namespace, key: s.key, value: s.value });
    }
  }

  const created = new Set(
    actions.flatMap((a) =>
      a.op === 'create-veth'
        ? [`${a.namespace}/${a.name}`, `${a.peerNamespace}/${a.peerName}`]
        : a.op === 'create-bridge'
          ? [`${a.namespace}/${a.name}`]
          : [],
    ),
  );
  for (const u of plan.up) {
    const link = ns(u.namespace).links.get(u.dev);
    if (created.has(`${u.namespace}/${u.dev}`) || !link?.up) {
      actions.push({ op: 'set-up', namespace: u.namespace, dev: u.dev });
    }
  }
  return actions;
}

/** One action as a line of text, for reports and tests. */
export function describeAction(a: LabAction): string {
  switch (a.op) {
    case 'delete-netns':
    case 'create-netns':
      return `${a.op} ${a.namespace}`;
    case 'delete-link':
      return `delete-link ${a.namespace}/${a.name} (${a.reason})`;
    case 'create-bridge':
      return `create-bridge ${a.namespace}/${a.name}`;
    case 'create-veth':
      return `create-veth ${a.namespace}/${a.name} ${a.peerNamespace}/${a.peerName}`;
    case 'set-master':
      return `set-master ${a.namespace}/${a.name} ${a.master}`;
    case 'add-address':
      return `add-address ${a.namespace}/${a.dev} ${a.cidr}`;
    case 'replace-route':
      return `replace-route ${a.namespace} ${a.dst} via ${a.via} dev ${a.dev}`;
    case 'delete-route':
      return `delete-route ${a.namespace} ${a.dst} via ${a.via}`;
    case 'set-sysctl':
      return `set-sysctl ${a.namespace} ${a.key}=${a.value}`;
    case 'set-up':
      return `set-up ${a.namespace}/${a.dev}`;
  }
}
