/**
 * policy.go's `system:aggregate-to-{admin,edit,view}` rules: what the aggregated user-facing
 * roles admin, edit and view gain from the bootstrap set.
 */
import type { PolicyRule } from '../../../../lib/api/rbac-v1.js';
import { RBAC_GROUP } from '../../../../lib/api/rbac-v1.js';
import {
  APPS,
  AUTHORIZATION,
  AUTOSCALING,
  BATCH,
  COORDINATION,
  CORE,
  DISCOVERY,
  EXTENSIONS,
  NETWORKING,
  POLICY,
  READ,
  READ_WRITE,
  rule,
  WRITE,
} from './vocabulary.js';

export function aggregateToAdmin(): PolicyRule[] {
  return [
    rule(['create'], [AUTHORIZATION], ['localsubjectaccessreviews']),
    rule(READ_WRITE, [RBAC_GROUP], ['roles', 'rolebindings']),
  ];
}

export function aggregateToEdit(): PolicyRule[] {
  return [
    rule(
      READ,
      [CORE],
      ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy'],
    ),
    rule(['impersonate'], [CORE], ['serviceaccounts']),
    rule(WRITE, [CORE], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
    rule(['create'], [CORE], ['pods/eviction']),
    rule(
      WRITE,
      [CORE],
      [
        'replicationcontrollers',
        'replicationcontrollers/scale',
        'serviceaccounts',
        'services',
        'services/proxy',
        'persistentvolumeclaims',
        'configmaps',
        'secrets',
        'events',
      ],
    ),
    rule(['create'], [CORE], ['serviceaccounts/token']),
    rule(
      WRITE,
      [APPS],
      [
        'statefulsets',
        'statefulsets/scale',
        'daemonsets',
        'deployments',
        'deployments/scale',
        'deployments/rollback',
        'replicasets',
        'replicasets/scale',
      ],
    ),
    rule(WRITE, [AUTOSCALING], ['horizontalpodautoscalers']),
    rule(WRITE, [BATCH], ['jobs', 'cronjobs']),
    rule(
      WRITE,
      [EXTENSIONS],
      [
        'daemonsets',
        'deployments',
        'deployments/scale',
        'deployments/rollback',
        'ingresses',
        'replicasets',
        'replicasets/scale',
        'replicationcontrollers/scale',
        'networkpolicies',
      ],
    ),
    rule(WRITE, [POLICY], ['poddisruptionbudgets']),
    rule(WRITE, [NETWORKING], ['networkpolicies', 'ingresses']),
    rule(READ_WRITE, [COORDINATION], ['leases']),
  ];
}

export function aggregateToView(): PolicyRule[] {
  return [
    rule(
      READ,
      [CORE],
      [
        'pods',
        'replicationcontrollers',
        'replicationcontrollers/scale',
        'serviceaccounts',
        'services',
        'services/status',
        'endpoints',
        'persistentvolumeclaims',
        'persistentvolumeclaims/status',
        'configmaps',
      ],
    ),
    rule(
      READ,
      [CORE],
      [
        'limitranges',
        'resourcequotas',
        'bindings',
        'events',
        'pods/status',
        'resourcequotas/status',
        'namespaces/status',
        'replicationcontrollers/status',
        'pods/log',
      ],
    ),
    // Read access to namespaces at namespace scope: reading *this* namespace.
    rule(READ, [CORE], ['namespaces']),
    rule(READ, [DISCOVERY], ['endpointslices']),
    rule(
      READ,
      [APPS],
      [
        'controllerrevisions',
        'statefulsets',
        'statefulsets/status',
        'statefulsets/scale',
        'daemonsets',
        'daemonsets/status',
        'deployments',
        'deployments/status',
        'deployments/scale',
        'replicasets',
        'replicasets/status',
        'replicasets/scale',
      ],
    ),
    rule(READ, [AUTOSCALING], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
    rule(READ, [BATCH], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
    rule(
      READ,
      [EXTENSIONS],
      [
        'daemonsets',
        'daemonsets/status',
        'deployments',
        'deployments/scale',
        'deployments/status',
        'ingresses',
        'ingresses/status',
        'replicasets',
        'replicasets/scale',
        'replicasets/status',
        'replicationcontrollers/scale',
        'networkpolicies',
      ],
    ),
    rule(READ, [POLICY], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
    rule(READ, [NETWORKING], ['networkpolicies', 'ingresses', 'ingresses/status']),
  ];
}
