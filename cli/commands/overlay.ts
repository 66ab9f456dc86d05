/** `switchyard overlay`: the pod network across nodes — VXLAN or host-gw routes from the Node objects (overlay/). */
import { OVERLAY_FLAGS, parseOverlayConfig } from '../../overlay/config.js';
import { runOverlay } from '../../overlay/main.js';
import type { Command } from '../command.js';
import { COMPONENT_FLAGS, componentFlags, componentFlagsUsage, parseFlags } from '../flags.js';

export const overlayCommand: Command = {
  name: 'overlay',
  summary: 'run the overlay agent (VXLAN or host-gw routes between nodes, pod egress masquerade)',
  usage: `usage: switchyard overlay --kubeconfig FILE --node-name N [--backend vxlan|host-gw] [flags]

Run one per node, in the node's network namespace (or give --netns). Needs root.

  --node-name NAME           this node's Node object (required)
  --backend vxlan|host-gw    how pod traffic reaches other nodes (default vxlan)
  --vni N                    VXLAN network identifier, 1–16777215 (default 1; device sy-vx.<N>)
  --iface NAME               the underlay interface (its first IPv4 address is the node IP)
  --node-ip IP               the underlay address (default: the Node's InternalIP)
  --cluster-cidr CIDR        the whole pod range, never masqueraded inside (default 10.244.0.0/16)
  --resync-period DURATION   the kernel is re-read and repaired at least this often (default 10s)
  --netns NAME               program this named network namespace instead of the own one
${componentFlagsUsage(29)}`,
  async run(args, ctx) {
    const parsed = parseFlags(args, { ...COMPONENT_FLAGS, ...OVERLAY_FLAGS });
    return runOverlay(parseOverlayConfig(parsed.flags), componentFlags(parsed), ctx.stderr);
  },
};
