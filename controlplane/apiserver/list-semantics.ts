/**
 * How the lists of built-in kinds merge, from Kubernetes' own schema annotations: for strategic
 * merge patch the `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key` of a field, for
 * server-side apply its `x-kubernetes-list-type` / `x-kubernetes-list-map-keys` (and
 * `x-kubernetes-map-type` of structs). The data lives in list-semantics/table.json, derived from
 * the upstream OpenAPI excerpt next to it (see deriveListSemantics and its test).
 */

import type { Json } from '../../lib/api/json.js';
import table from './list-semantics/table.json' with { type: 'json' };

/** The merge semantics of one non-scalar field of a type. */
export interface FieldSemantics {
  /** The definition of the field's value, or of its list items / map values. */
  readonly of?: string;
  /** The value is a list: its SSA list type (a list without one is atomic). */
  readonly list?: 'atomic' | 'set' | 'map';
  /** For `list: 'map'`: the SSA list-map keys. */
  readonly keys?: readonly string[];
  /** The strategic-merge patch strategy, e.g. `merge`, `retainKeys`, `merge,retainKeys`. */
  readonly patch?: string;
  /** The strategic-merge merge key of a list of objects. */
  readonly mergeKey?: string;
  /** The value is a map (additionalProperties) of `of`. */
  readonly map?: true;
}

/** The non-scalar fields of one definition, and whether it is an atomic struct. */
export interface TypeSemantics {
  readonly fields: Readonly<Record<string, FieldSemantics>>;
  readonly atomic?: true;
}

/** The table: definitions by name and the root definition of each `apiVersion/kind`. */
export interface ListSemanticsTable {
  readonly source: string;
  readonly kinds: Readonly<Record<string, string>>;
  readonly types: Readonly<Record<string, TypeSemantics>>;
}

/** The subset of an OpenAPI v2 property the table is derived from. */
interface SpecProp {
  readonly type?: string;
  readonly $ref?: string;
  readonly allOf?: readonly { readonly $ref?: string }[];
  readonly items?: SpecProp;
  readonly additionalProperties?: SpecProp;
  readonly 'x-kubernetes-list-type'?: string;
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-patch-strategy'?: string;
  readonly 'x-kubernetes-patch-merge-key'?: string;
}

/** An upstream OpenAPI v2 excerpt: `definitions` with their GVKs and non-scalar properties. */
export interface SpecExcerpt {
  readonly source: string;
  readonly definitions: Readonly<
    Record<
      string,
      {
        readonly 'x-kubernetes-group-version-kind'?: readonly {
          readonly group: string;
          readonly version: string;
          readonly kind: string;
        }[];
        readonly 'x-kubernetes-map-type'?: string;
        readonly properties: Readonly<Record<string, SpecProp>>;
      }
    >
  >;
}

const refName = (p: SpecProp | undefined): string | undefined => {
  const r = p?.$ref ?? p?.allOf?.[0]?.$ref;
  return r?.replace('#/definitions/', '');
};

function deriveField(p: SpecProp): FieldSemantics | undefined {
  const out: { -readonly [K in keyof FieldSemantics]: FieldSemantics[K] } = {};
  if (p.type === 'array') {
    const of = refName(p.items);
    if (of !== undefined) out.of = of;
    const lt = p['x-kubernetes-list-type'];
    out.list = lt === 'set' || lt === 'map' ? lt : 'atomic';
    const keys = p['x-kubernetes-list-map-keys'];
    if (keys !== undefined) out.keys = [...keys];
  } else if (p.type === 'object' && p.additionalProperties !== undefined) {
    const of = refName(p.additionalProperties);
    if (of === undefined) return undefined;
    out.of = of;
    out.map = true;
  } else {
    const of = refName(p);
    if (of !== undefined) out.of = of;
  }
  const strategy = p['x-kubernetes-patch-strategy'];
  if (strategy !== undefined) out.patch = strategy;
  const mergeKey = p['x-kubernetes-patch-merge-key'];
  if (mergeKey !== undefined) out.mergeKey = mergeKey;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Derives the table from an upstream excerpt (the generator and the drift test both use this). */
export function deriveListSemantics(spec: SpecExcerpt): ListSemanticsTable {
  const kinds: Record<string, string> = {};
  const types: Record<string, TypeSemantics> = {};
  for (const [name, d] of Object.entries(spec.definitions)) {
    for (const g of d['x-kubernetes-group-version-kind'] ?? []) {
      kinds[`${g.group === '' ? '' : `${g.group}/`}${g.version}/${g.kind}`] = name;
    }
    const fields: Record<string, FieldSemantics> = {};
    for (const [pn, p] of Object.entries(d.properties)) {
      const f = deriveField(p);
      if (f !== undefined) fields[pn] = f;
    }
    types[name] = d['x-kubernetes-map-type'] === 'atomic' ? { fields, atomic: true } : { fields };
  }
  return { source: spec.source, kinds, types };
}

const TABLE = table as ListSemanticsTable;

/** The root definition name of a built-in kind, or undefined (custom or unknown kinds). */
export function rootTypeOf(apiVersion: string, kind: string): string | undefined {
  return TABLE.kinds[`${apiVersion}/${kind}`];
}

/** The semantics of field `field` of definition `type` (undefined: a scalar or unknown). */
export function fieldOf(type: string | undefined, field: string): FieldSemantics | undefined {
  return type === undefined ? undefined : TABLE.types[type]?.fields[field];
}

/** True when a definition is an atomic struct (`x-kubernetes-map-type: atomic`). */
export function isAtomicType(type: string | undefined): boolean {
  return type !== undefined && TABLE.types[type]?.atomic === true;
}

/** The field semantics at a dotted path from a kind's root, `[]` stepping into list items. */
export function fieldAtPath(apiVersion: string, kind: string, path: string): FieldSemantics | undefined {
  let type = rootTypeOf(apiVersion, kind);
  let found: FieldSemantics | undefined;
  for (const part of path.split('.')) {
    const name = part.endsWith('[]') ? part.slice(0, -2) : part;
    found = fieldOf(type, name);
    if (found === undefined) return undefined;
    type = found.of;
  }
  return found;
}

/**
 * Defaults of optional list-map key fields, which apply matches items by as if set: the
 * `+default="TCP"` protocol of ContainerPort, ServicePort and EndpointPort (Kubernetes' OpenAPI
 * v3 `default`; the v2 document the table comes from does not carry defaults).
 */
const KEY_DEFAULTS: Readonly<Record<string, Readonly<Record<string, Json>>>> = {
  'io.k8s.api.core.v1.ContainerPort': { protocol: 'TCP' },
  'io.k8s.api.core.v1.ServicePort': { protocol: 'TCP' },
  'io.k8s.api.core.v1.EndpointPort': { protocol: 'TCP' },
  'io.k8s.api.discovery.v1.EndpointPort': { protocol: 'TCP' },
};

/** The default of list-map key `key` of items of `type`, if it has one. */
export function listKeyDefault(type: string | undefined, key: string): Json | undefined {
  return type === undefined ? undefined : KEY_DEFAULTS[type]?.[key];
}
