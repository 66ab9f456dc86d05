/** Resource descriptors the scheduler talks to. */

import type { Event as KubeEvent, Node, Pod } from '../../lib/api/index.js';
import { coreResources, defineResource } from '../../lib/client/index.js';

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
