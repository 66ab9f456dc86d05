/** `switchyard controller-manager`: the reconcile loops behind leader election (controlplane/controllers). */
import { runControllerManager } from '../../controlplane/controllers/main.js';
import type { Command } from '../command.js';
import {
  COMPONENT_FLAGS,
  componentFlags,
  componentFlagsUsage,
  intField,
  LEADER_ELECTION_FLAGS,
  parseFlags,
  stringField,
} from '../flags.js';

const FLAGS = {
  ...COMPONENT_FLAGS,
  ...LEADER_ELECTION_FLAGS,
  controllers: { type: 'string' },
  'cluster-cidr': { type: 'string' },
  'node-cidr-mask-size': { type: 'string' },
  'node-monitor-grace-period': { type: 'string' },
  'pod-eviction-timeout': { type: 'string' },
  'use-service-account-credentials': { type: 'boolean' },
} as const;

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
  --use-service-account-credentials       run each controller as its own service account
                                          (kube-system/<controller>, token by TokenRequest), so it
                                          holds only its system:controller:<controller> role
${componentFlagsUsage(42, { ...COMPONENT_FLAGS, ...LEADER_ELECTION_FLAGS })}`,
  async run(args, ctx) {
    const parsed = parseFlags(args, FLAGS);
    return runControllerManager(
      {
        ...componentFlags(parsed),
        ...stringField(parsed, 'controllers', 'controllers'),
        ...stringField(parsed, 'cluster-cidr', 'clusterCidr'),
        ...intField(parsed, 'node-cidr-mask-size', 'nodeCidrMaskSize', 1, 128),
        ...intField(parsed, 'node-monitor-grace-period', 'nodeMonitorGracePeriodSeconds', 1, 86_400),
        ...intField(parsed, 'pod-eviction-timeout', 'podEvictionTimeoutSeconds', 1, 86_400),
        useServiceAccountCredentials: parsed.flags['use-service-account-credentials'] === true,
      },
      ctx.stderr,
    );
  },
};
