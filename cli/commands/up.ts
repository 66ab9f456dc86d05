/** `switchyard up`: builds (or converges) the lab in network namespaces and says how to use it. */
import { randomBytes } from 'node:crypto';
import { ensureToken } from '../../controlplane/apiserver/index.js';
import {
  controlPlaneFiles,
  DEFAULT_NODES,
  ENV_LAB_ID,
  formatDemo,
  formatNodesUp,
  formatUp,
  formatUpComponents,
  labNodes,
  labSpec,
  MAX_NODES,
  readState,
  stateFile,
  upComponents,
  upDemo,
  upKubelets,
  upLab,
  upRuntimes,
} from '../../lab/index.js';
import { type Command, UsageError } from '../command.js';
import { intFlag, parseFlags } from '../flags.js';
import { noPositionals, pathsFor, requireRoot, withNetlink } from './lab-env.js';

export const upCommand: Command = {
  name: 'up',
  summary: 'build the lab cluster in network namespaces (idempotent)',
  usage: `usage: switchyard up [--nodes N] [--lb-mode l2|bgp]

Builds the lab of docs/architecture.md §4 in network namespaces named sy-<labid>-<target>: a fabric
bridge 172.30.0.1/16, the control plane (172.30.0.2), node-1…node-N (172.30.0.10+i), a client
(172.30.0.100) and a router (172.30.0.254). Then runs the control plane in the control-plane
namespace: apiserver (172.30.0.2:6443), scheduler and controller-manager, each started detached
with its log in .switchyard/logs, plus a forwarder in the root namespace on 127.0.0.1:PORT so
"kubectl --kubeconfig .switchyard/kubeconfig" works from the host, and waits until each is
healthy. Then every node, in parallel: containerd in the node's namespace (its files under
.switchyard/nodes/<namespace>), the lab images imported (built into .switchyard/images), the
CNI plugins installed, a kubeconfig for system:node:<node>; then "switchyard kubelet" per node.
Last, the demo (deploy/demo/hello.yaml: Deployment and Service "hello" in namespace "demo") is
applied and waited for (120 s; a timeout names what is not ready). Running it again converges:
healthy processes stay with their pids, dead ones restart; flags left out keep the existing
lab's settings. Needs root.

  --nodes N        number of nodes, 1–${MAX_NODES} (default ${DEFAULT_NODES})
  --lb-mode MODE   l2 (ARP on the LAN, default) or bgp (the client routes the LB pool via the router)

Environment: SWITCHYARD_STATE_DIR (default .switchyard) holds lab.json; SWITCHYARD_RUN_DIR
(default /run/switchyard) holds the lease lab clean reads; SWITCHYARD_LAB_ID names a new lab.`,
  async run(args, ctx) {
    const parsed = parseFlags(args, { nodes: { type: 'string' }, 'lb-mode': { type: 'string' } });
    noPositionals('up', [...parsed.positionals, ...parsed.rest]);
    const lbFlag = parsed.flags['lb-mode'];
    if (lbFlag !== undefined && lbFlag !== 'l2' && lbFlag !== 'bgp') {
      throw new UsageError(`--lb-mode: must be "l2" or "bgp", got "${String(lbFlag)}"`);
    }
    const nodesFlag = intFlag(parsed, 'nodes', 1, MAX_NODES);
    requireRoot('up');
    const paths = pathsFor(ctx);
    const existing = readState(stateFile(paths));
    const spec = labSpec({
      labId: existing?.labId ?? process.env[ENV_LAB_ID] ?? randomBytes(3).toString('hex'),
      nodes: nodesFlag ?? existing?.nodes ?? DEFAULT_NODES,
      lbMode: typeof lbFlag === 'string' ? lbFlag : (existing?.lbMode ?? 'l2'),
    });
    const report = await withNetlink((netlink) =>
      upLab({ paths, netlink }, { spec, owner: { kind: 'detached' } }),
    );
    ctx.stdout.write(formatUp(report));
    // The control plane (issues 4 and 5): each component as `switchyard <component>`, run the
    // way this process was run.
    const self = [process.execPath, ...process.execArgv, process.argv[1] ?? ''];
    const cp = await upComponents({ state: report.state, stateDir: paths.stateDir, self });
    ctx.stdout.write(formatUpComponents(cp));
    // The nodes (issue 12): containerd, images, CNI plugins and credentials, then the kubelets.
    const { dataDir } = controlPlaneFiles(paths.stateDir);
    const runtimes = await upRuntimes({
      state: report.state,
      stateDir: paths.stateDir,
      self,
      root: ctx.root,
      nodeToken: (user, groups) => ensureToken({ dir: dataDir, user, groups }),
    });
    const kubelets = await upKubelets({ state: report.state, stateDir: paths.stateDir, self });
    ctx.stdout.write(formatNodesUp(runtimes, kubelets));
    const demo = await upDemo({
      root: ctx.root,
      kubeconfig: cp.kubeconfig,
      nodes: labNodes(report.state, paths.stateDir).map((n) => n.name),
    });
    ctx.stdout.write(formatDemo(demo));
    return 0;
  },
};
