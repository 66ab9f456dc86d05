/**
 * Keeps a NodeGraph current from the store, as the Node authorizer's graph populator does from
 * informers (plugin/pkg/auth/authorizer/node/graph_populator.go): pods, and PersistentVolumes and
 * VolumeAttachments where this server serves them. A watch that fails (compacted history, a
 * store error) is started again from a fresh list; pods gone meanwhile leave the graph.
 */

import { isJsonObject, type JsonObject } from '../../lib/api/json.js';
import { splitObjectKey } from '../../lib/api/meta.js';
import type { WatchHandle } from '../store/index.js';
import { type NodeGraph, podReferences, pvReferences } from './node-graph.js';
import { metaString } from './object-meta.js';
import type { ResourceInfo, ResourceRegistry } from './resources.js';
import type { RestStorage } from './rest.js';

/** A running feed. */
export interface NodeGraphFeed {
  stop(): void;
}

interface Source {
  readonly info: ResourceInfo;
  /** The key an object is known by in the graph. */
  readonly key: (o: JsonObject) => string;
  readonly apply: (o: JsonObject) => void;
  readonly remove: (key: string) => void;
}

const nameOf = (o: JsonObject): string => metaString(o, 'name') ?? '';

const RESTART_DELAY_MS = 1000;

/** Starts watching; resolves once the current state is in the graph. */
export async function feedNodeGraph(options: {
  readonly graph: NodeGraph;
  readonly rest: RestStorage;
  readonly resources: ResourceRegistry;
}): Promise<NodeGraphFeed> {
  const { graph, rest, resources } = options;
  const handles = new Set<WatchHandle>();
  let stopped = false;
  // Bound pods by namespace/name: uid and node, to skip updates that change neither (the
  // references in a pod's spec are immutable, graph_populator.go updatePod).
  const bound = new Map<string, { uid: string; node: string }>();
  const sources: Source[] = [];
  const pods = resources.lookup('', 'v1', 'pods');
  if (pods) {
    sources.push({
      info: pods,
      key: (pod) => `${metaString(pod, 'namespace') ?? ''}/${nameOf(pod)}`,
      apply: (pod) => {
        const refs = podReferences(pod);
        if (!refs) return;
        const key = `${refs.namespace}/${refs.name}`;
        const known = bound.get(key);
        if (known?.uid === refs.uid && known.node === refs.nodeName) return;
        bound.set(key, { uid: refs.uid, node: refs.nodeName });
        graph.addPod(refs);
      },
      remove: (key) => {
        const { namespace, name } = splitObjectKey(key);
        bound.delete(key);
        graph.deletePod(namespace, name);
      },
    });
  }
  const pvs = resources.lookup('', 'v1', 'persistentvolumes');
  if (pvs) {
    sources.push({
      info: pvs,
      key: nameOf,
      apply: (pv) => graph.addPV(pvReferences(pv)),
      remove: (name) => graph.deletePV(name),
    });
  }
  const attachments = resources.lookup('storage.k8s.io', 'v1', 'volumeattachments');
  if (attachments) {
    sources.push({
      info: attachments,
      key: nameOf,
      apply: (va) => {
        const spec = isJsonObject(va.spec) ? va.spec : {};
        graph.addVolumeAttachment(nameOf(va), typeof spec.nodeName === 'string' ? spec.nodeName : '');
      },
      remove: (name) => graph.deleteVolumeAttachment(name),
    });
  }

  const follow = async (source: Source, known: Set<string>): Promise<void> => {
    const seen = new Set<string>();
    let handle: WatchHandle | undefined;
    const restart = (): void => {
      if (handle) handles.delete(handle);
      if (stopped) return;
      setTimeout(() => void follow(source, seen).catch(restart), RESTART_DELAY_MS).unref();
    };
    handle = await rest.watch(
      source.info,
      undefined,
      {},
      {
        event: (type, o) => {
          const key = source.key(o);
          if (type === 'DELETED') {
            source.remove(key);
            seen.delete(key);
          } else {
            source.apply(o);
            seen.add(key);
          }
        },
        error: restart,
      },
    );
    handles.add(handle);
    // The watch began with the whole current state: whatever was known before and is not in it
    // was deleted while no watch ran.
    for (const key of known) if (!seen.has(key)) source.remove(key);
  };
  await Promise.all(sources.map((s) => follow(s, new Set())));
  return {
    stop() {
      stopped = true;
      for (const h of handles) h.stop();
      handles.clear();
    },
  };
}
