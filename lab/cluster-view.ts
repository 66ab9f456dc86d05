/**
 * The cluster as `up` and `status` show it: Nodes and Pods read with the real kubectl (through
 * the host kubeconfig), cut down to the few fields shown, and the demo's readiness judged from
 * them. The cutting and judging are pure; `kubectlJson` is the thin adapter.
 */
import { isJsonObject, type JsonObject } from '../lib/api/json.js';
import { ErrorCode, SwitchyardError } from '../lib/errors/index.js';
import { runInNetns } from '../lib/netns/index.js';

/** A Node as shown. */
export interface NodeView {
  readonly name: string;
  /** `True`, `False`, `Unknown`, or `missing` when the kubelet never reported. */
  readonly ready: string;
  readonly reason: string;
  readonly podCIDR: string;
}

/** A Pod as shown. */
export interface PodView {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly phase: string;
  readonly ready: boolean;
  readonly ip: string;
  readonly restarts: number;
  /** Why a container is not running or not ready (waiting reason, last termination), or ''. */
  readonly why: string;
}

const obj = (v: unknown): JsonObject => (isJsonObject(v) ? v : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.map(obj) : []);

function condition(status: JsonObject, type: string): JsonObject | undefined {
  return list(status.conditions).find((c) => c.type === type);
}

/** The Nodes of a `kubectl get nodes -o json` list. Pure. */
export function nodeViews(doc: unknown): NodeView[] {
  return list(obj(doc).items).map((n) => {
    const status = obj(n.status);
    const ready = condition(status, 'Ready');
    return {
      name: str(obj(n.metadata).name),
      ready: ready ? str(ready.status) : 'missing',
      reason: ready ? str(ready.reason) : '',
      podCIDR: str(obj(n.spec).podCIDR),
    };
  });
}

/** The Pods of a `kubectl get pods -o json` list. Pure. */
export function podViews(doc: unknown): PodView[] {
  return list(obj(doc).items).map((p) => {
    const meta = obj(p.metadata);
    const status = obj(p.status);
    const containers = list(status.containerStatuses);
    const why = containers
      .map((c) => {
        const state = obj(c.state);
        const waiting = obj(state.waiting);
        const terminated = obj(state.terminated);
        if (str(waiting.reason) !== '')
          return `${str(c.name)}: ${str(waiting.reason)} ${str(waiting.message)}`;
        if (str(terminated.reason) !== '') return `${str(c.name)}: ${str(terminated.reason)}`;
        if (c.ready !== true && state.running !== undefined) return `${str(c.name)}: running, not ready`;
        return '';
      })
      .filter((w) => w !== '')
      .map((w) => w.trim());
    const scheduled = condition(status, 'PodScheduled');
    if (scheduled && scheduled.status !== 'True') why.push(`unscheduled: ${str(scheduled.message)}`);
    return {
      namespace: str(meta.namespace),
      name: str(meta.name),
      node: str(obj(p.spec).nodeName),
      phase: str(status.phase),
      ready: condition(status, 'Ready')?.status === 'True',
      ip: str(status.podIP),
      restarts: containers.reduce((n, c) => n + (typeof c.restartCount === 'number' ? c.restartCount : 0), 0),
      why: why.join('; '),
    };
  });
}

/** What keeps the expected nodes from being all registered and Ready. Pure. */
export function nodeProblems(expected: readonly string[], nodes: readonly NodeView[]): string[] {
  const out: string[] = [];
  for (const name of expected) {
    const n = nodes.find((x) => x.name === name);
    if (!n) out.push(`node ${name} not registered yet`);
    else if (n.ready !== 'True')
      out.push(`node ${n.name} not Ready (${n.ready}${n.reason ? `, ${n.reason}` : ''})`);
  }
  return out;
}

/** Whether the demo is up, and when not, what is not ready (one line each). Pure. */
export function demoProblems(
  nodes: readonly NodeView[],
  pods: readonly PodView[],
  replicas: number,
): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    if (n.ready !== 'True')
      out.push(`node ${n.name} not Ready (${n.ready}${n.reason ? `, ${n.reason}` : ''})`);
  }
  const ready = pods.filter((p) => p.ready).length;
  if (ready < replicas) out.push(`${ready} of ${replicas} hello pods Ready`);
  for (const p of pods) {
    if (!p.ready) {
      out.push(
        `pod ${p.namespace}/${p.name} on ${p.node || '(no node)'}: ${p.phase}${p.why ? `, ${p.why}` : ''}`,
      );
    }
  }
  return out;
}

/** Nodes and pods as a table for `status`. Pure. */
export function formatCluster(nodes: readonly NodeView[], pods: readonly PodView[]): string {
  const table = (rows: readonly (readonly string[])[]): string[] => {
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
    return rows.map((r) => `  ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd());
  };
  const nodeRows = [
    ['NODE', 'READY', 'POD CIDR'],
    ...nodes.map((n) => [
      n.name,
      n.ready === 'True' ? 'Ready' : `NOT READY (${n.ready} ${n.reason})`.trim(),
      n.podCIDR,
    ]),
  ];
  const podRows = [
    ['POD', 'NODE', 'READY', 'IP', 'RESTARTS', 'STATUS'],
    ...pods.map((p) => [
      `${p.namespace}/${p.name}`,
      p.node,
      p.ready ? 'yes' : 'no',
      p.ip,
      String(p.restarts),
      p.why ? `${p.phase}: ${p.why}` : p.phase,
    ]),
  ];
  return [
    'nodes:',
    ...(nodes.length ? table(nodeRows) : ['  (none registered)']),
    'pods:',
    ...(pods.length ? table(podRows) : ['  (none)']),
    '',
  ].join('\n');
}

/** Runs kubectl with the host kubeconfig and parses its JSON output; the error carries stderr. */
export async function kubectlJson(kubeconfig: string, args: readonly string[]): Promise<unknown> {
  const r = await runInNetns(
    undefined,
    { cmd: 'kubectl', args: ['--kubeconfig', kubeconfig, ...args, '-o', 'json'] },
    { timeoutMs: 20_000 },
  );
  if (r.exitCode !== 0) {
    throw new SwitchyardError(ErrorCode.System, `kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  return JSON.parse(r.stdout) as unknown;
}

/** Reads the Nodes and (all namespaces', or one namespace's) Pods. */
export async function readCluster(
  kubeconfig: string,
  options: { readonly namespace?: string; readonly selector?: string } = {},
): Promise<{ readonly nodes: NodeView[]; readonly pods: PodView[] }> {
  const scope = options.namespace === undefined ? ['-A'] : ['-n', options.namespace];
  const selector = options.selector === undefined ? [] : ['-l', options.selector];
  const [nodes, pods] = await Promise.all([
    kubectlJson(kubeconfig, ['get', 'nodes']),
    kubectlJson(kubeconfig, ['get', 'pods', ...scope, ...selector]),
  ]);
  return { nodes: nodeViews(nodes), pods: podViews(pods) };
}
