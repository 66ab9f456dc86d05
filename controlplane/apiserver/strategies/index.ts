/**
 * The strategy of each kind (see types.ts for the interface): looked up by group and kind;
 * kinds without rules of their own, custom resources among them, get the empty strategy and
 * so the generic registry's rules alone.
 */
import type { ResourceInfo } from '../resources.js';
import { crdStrategy } from './crd.js';
import { namespaceStrategy } from './namespace.js';
import { nodeStrategy } from './node.js';
import { podStrategy } from './pod.js';
import { serviceStrategy } from './service.js';
import type { KindStrategy } from './types.js';

export type {
  Allocator,
  DeleteStep,
  DeletionHold,
  KindStrategy,
  StrategyContext,
  WriteKind,
} from './types.js';

const GENERIC: KindStrategy = {};

const BY_KIND: ReadonlyMap<string, KindStrategy> = new Map([
  ['/Pod', podStrategy],
  ['/Namespace', namespaceStrategy],
  ['/Node', nodeStrategy],
  ['/Service', serviceStrategy],
  ['apiextensions.k8s.io/CustomResourceDefinition', crdStrategy],
]);

/** The strategy of `info`'s kind. */
export function strategyOf(info: Pick<ResourceInfo, 'group' | 'kind'>): KindStrategy {
  return BY_KIND.get(`${info.group}/${info.kind}`) ?? GENERIC;
}
