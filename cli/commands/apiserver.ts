/** `switchyard apiserver`: the Kubernetes-compatible API server (controlplane/apiserver). */
import { runApiServer } from '../../controlplane/apiserver/main.js';
import { type Command, UsageError } from '../command.js';
import {
  componentFlags,
  componentFlagsUsage,
  LOG_FLAGS,
  parseFlags,
  stringField,
  stringFlag,
} from '../flags.js';

export const apiserverCommand: Command = {
  name: 'apiserver',
  summary: 'run the Kubernetes-compatible API server (embedded SQLite store, TLS, tokens)',
  usage: `usage: switchyard apiserver --data-dir DIR [--listen HOST:PORT] [flags]

  --data-dir DIR                  state (state.db), credentials (pki/, tokens.csv) and
                                  DIR/admin.kubeconfig (0600), all made on first start
  --listen HOST:PORT              address to serve HTTPS on (default 127.0.0.1:6443; port 0 = any)
  --advertise-address IP          address put in the kubeconfig and the kubernetes endpoints
  --service-cluster-ip-range CIDR ClusterIP range (default 10.96.0.0/16)
  --service-node-port-range A-B   NodePort range (default 30000-32767)
  --etcd-servers URLS             comma-separated etcd client URLs; default: embedded SQLite in DIR
  --enable-admission-plugins LIST optional admission plugins: ServiceAccount (pods get their
                                  service account's token volume; needs the controller manager)
${componentFlagsUsage(34, LOG_FLAGS)}`,
  async run(args, ctx) {
    const parsed = parseFlags(args, {
      ...LOG_FLAGS,
      'data-dir': { type: 'string' },
      listen: { type: 'string' },
      'advertise-address': { type: 'string' },
      'service-cluster-ip-range': { type: 'string' },
      'service-node-port-range': { type: 'string' },
      'etcd-servers': { type: 'string' },
      'enable-admission-plugins': { type: 'string' },
    });
    const dataDir = stringFlag(parsed, 'data-dir');
    if (!dataDir) throw new UsageError('--data-dir is required');
    const { logLevel } = componentFlags(parsed);
    return runApiServer(
      {
        dataDir,
        ...(logLevel !== undefined ? { logLevel } : {}),
        ...stringField(parsed, 'listen', 'listen'),
        ...stringField(parsed, 'advertise-address', 'advertiseAddress'),
        ...stringField(parsed, 'service-cluster-ip-range', 'serviceClusterIpRange'),
        ...stringField(parsed, 'service-node-port-range', 'serviceNodePortRange'),
        ...stringField(parsed, 'etcd-servers', 'etcdServers'),
        ...stringField(parsed, 'enable-admission-plugins', 'enableAdmissionPlugins'),
      },
      ctx.stderr,
    );
  },
};
