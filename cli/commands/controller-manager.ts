/** `switchyard controller-manager`: the reconcile loops behind leader election (controlplane/controllers). */
import { runControllerManager } from '../../controlplane/controllers/main.js';
import type { Command } from '../command.js';
import { COMPONENT_FLAGS, componentFlags, componentFlagsUsage, intFlag, parseFlags } from '../flags.js';

export const controllerManagerCommand: Command = {
  name: 'controller-manager',
  summary:
    'run the controllers (deployments, replicasets, jobs, cronjobs, endpointslices, disruption budgets, node IPAM and lifecycle, GC, namespaces)',
  usage: `usage: switchyard controller-manager [--kubeconfig FILE] [flags]

  --controllers A,B                       run only these (deployment, replicaset, daemonset, endpointslice,
                                          nodeipam, nodelifecycle, servicerepair, job, cronjob,
                                          ttlafterfinished, garbagecollector, namespace, disruption;
                                          default all)
  --cluster-cidr CIDR                     pod address range for node IPAM (default 10.244.0.0/16)
  --node-cidr-mask-size N                 prefix length of each node's podCIDR (default 24)
  --node-monitor-grace-period SECONDS     Lease silence before a node is NotReady (default 40)
  --pod-eviction-timeout SECONDS          NotReady time before its pods are evicted (default 300)
  --no-leader-elect                       act at once without taking the kube-system Lease
  --use-service-account-credentials       run each controller as its own service account
                                          (kube-system/<controller>, token by TokenRequest), so it
                                          holds only its system:controller:<controller> role
${componentFlagsUsage(42)}`,
  async run(args, ctx) {
    const parsed = parseFlags(args, {
      ...COMPONENT_FLAGS,
      controllers: { type: 'string' },
      'cluster-cidr': { type: 'string' },
      'node-cidr-mask-size': { type: 'string' },
      'node-monitor-grace-period': { type: 'string' },
      'pod-eviction-timeout': { type: 'string' },
      'no-leader-elect': { type: 'boolean' },
      'use-service-account-credentials': { type: 'boolean' },
    });
    const f = parsed.flags;
    const str = (name: string): string | undefined =>
      typeof f[name] === 'string' ? (f[name] as string) : undefined;
    const num = (name: string, key: string, min: number, max: number): Record<string, number> => {
      const v = intFlag(parsed, name, min, max);
      return v === undefined ? {} : { [key]: v };
    };
    const opt = (name: string, key: string): Record<string, string> => {
      const v = str(name);
      return v === undefined ? {} : { [key]: v };
    };
    return runControllerManager(
      {
        ...componentFlags(parsed),
        ...opt('controllers', 'controllers'),
        ...opt('cluster-cidr', 'clusterCidr'),
        ...num('node-cidr-mask-size', 'nodeCidrMaskSize', 1, 128),
        ...num('node-monitor-grace-period', 'nodeMonitorGracePeriodSeconds', 1, 86_400),
        ...num('pod-eviction-timeout', 'podEvictionTimeoutSeconds', 1, 86_400),
        leaderElect: f['no-leader-elect'] !== true,
        useServiceAccountCredentials: f['use-service-account-credentials'] === true,
      },
      ctx.stderr,
    );
  },
};
