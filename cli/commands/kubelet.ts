/** `switchyard kubelet`: the node agent that runs the pods bound to its node on containerd (controlplane/kubelet). */
import { hostname } from 'node:os';
import { KUBELET_FLAGS, parseKubeletConfig } from '../../controlplane/kubelet/config.js';
import { runKubelet } from '../../controlplane/kubelet/main.js';
import type { Command } from '../command.js';
import { COMPONENT_FLAGS, componentFlags, componentFlagsUsage, parseFlags } from '../flags.js';

export const kubeletCommand: Command = {
  name: 'kubelet',
  summary: 'run the node agent (pods on containerd over CRI, probes, restarts, node Lease and status)',
  usage: `usage: switchyard kubelet --kubeconfig FILE [--node-name N] [--containerd-socket S] [flags]

Runs as system:node:<node-name> (the Node authorizer's rules); run it in the node's network
namespace, beside the node's containerd.

  --node-name NAME                     the Node's name (default: the hostname, lower-cased)
  --node-ip IP                         the node's address (default: its first global address)
  --containerd-socket PATH             containerd's CRI socket (default /run/containerd/containerd.sock)
  --cluster-dns IP[,IP]                pods' DNS servers (default 10.96.0.10; '' for none)
  --cluster-domain DOMAIN              the cluster's DNS domain (default cluster.local)
  --resolv-conf PATH                   the node's resolv.conf for dnsPolicy Default (default /etc/resolv.conf)
  --root-dir DIR                       volumes, serving pair, IPAM store (default /var/lib/kubelet)
  --pod-logs-dir DIR                   container logs (default /var/log/pods)
  --cni-conf-dir DIR                   where the node's CNI conflist is written (default /etc/cni/net.d)
  --cni-bridge NAME                    the pods' bridge in that conflist (default cni0)
  --cni-ipam-dir DIR                   host-local's store in that conflist (default <root-dir>/cni/networks)
  --pod-cidr CIDR                      the node's pod range (default: the Node's spec.podCIDR)
  --address IP                         listen address of the HTTPS endpoint (default 0.0.0.0)
  --port N                             its port (default 10250)
  --tls-cert-file PATH                 its serving certificate (default: self-signed under <root-dir>/pki)
  --tls-private-key-file PATH          its key
  --client-ca-file PATH                CA that client certificates must chain to
  --max-pods N                         pods this node takes (default 110)
  --node-lease-duration-seconds N      the node Lease's duration, renewed every quarter (default 40)
  --sync-frequency DURATION            every pod is synced at least this often (default 1m)
${componentFlagsUsage(39)}`,
  async run(args, ctx) {
    const parsed = parseFlags(args, { ...COMPONENT_FLAGS, ...KUBELET_FLAGS });
    const config = parseKubeletConfig(parsed.flags, { hostname: hostname() });
    return runKubelet(config, componentFlags(parsed), ctx.stderr);
  },
};
