/** Resource descriptors the scheduler talks to. */
import { coreResources, defineResource } from '../../lib/client/index.js';
import type { KubeEvent, Node, Pod } from './api-types.js';

/** core/v1 pods. */
export const podsResource = defineResource<Pod>({ ...coreResources.pods });
/** core/v1 nodes. */
export const nodesResource = defineResource<Node>({ ...coreResources.nodes });
/** core/v1 events. */
export const eventsResource = defineResource<KubeEvent>({
  group: '',
  version: 'v1',
  plural: 'events',
  kind: 'Event',
  namespaced: true,
});
