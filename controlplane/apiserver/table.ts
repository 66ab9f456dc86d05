/**
 * Server-side printing: `as=Table` responses with kubectl-like columns (the column sets of
 * kubernetes pkg/printers/internalversion/printers.go). Columns with priority 1 show with
 * `-o wide`; each row carries a PartialObjectMetadata so `-A`, `--show-labels` and `-L` work.
 */
import type { JsonObject } from '../../lib/api/json.js';
import { printerCell } from './printer-columns.js';
import type { ResourceInfo } from './resources.js';
import { AGE, type Column, humanDuration, NAME, num } from './table/cells.js';
import { CORE_COLUMNS } from './table/core.js';
import { GROUP_COLUMNS } from './table/groups.js';
import { WORKLOAD_COLUMNS } from './table/workloads.js';

/** The columns of each built-in type, by `group/plural` (`/plural` for core). */
const COLUMNS: Readonly<Record<string, readonly Column[]>> = {
  ...CORE_COLUMNS,
  ...WORKLOAD_COLUMNS,
  ...GROUP_COLUMNS,
};

/** printers.go printScale (KEP-2590, `kubectl get --subresource=scale`). */
const SCALE_COLUMNS: readonly Column[] = [
  NAME,
  { name: 'Desired', type: 'integer', cell: (o) => num(o, 'spec.replicas') },
  { name: 'Available', type: 'integer', cell: (o) => num(o, 'status.replicas') },
];

/** A custom resource's columns: Name, then its printer columns, or Age when it declares none. */
function customColumns(info: ResourceInfo): readonly Column[] {
  const declared = info.printerColumns ?? [];
  if (declared.length === 0) return [NAME, AGE];
  return [
    NAME,
    ...declared.map(
      (c): Column => ({
        name: c.name,
        type: c.type === 'date' ? 'date' : c.type === 'integer' ? 'integer' : 'string',
        priority: c.priority,
        cell: (o, now) => printerCell(c, o, (t) => humanDuration((now.getTime() - Date.parse(t)) / 1000)),
      }),
    ),
  ];
}

/** Converts objects to a meta.k8s.io/v1 Table. `withHeaders=false` omits the columns (watch events after the first). */
export function toTable(options: {
  readonly info: ResourceInfo;
  readonly objects: readonly JsonObject[];
  readonly resourceVersion?: string;
  readonly continueToken?: string;
  readonly withHeaders: boolean;
  readonly now: Date;
  /** `includeObject`: Metadata (default), Object (kubectl --sort-by) or None. */
  readonly include?: 'Metadata' | 'Object' | 'None';
  /** `kubectl get --subresource=scale`: the objects are autoscaling/v1 Scales. */
  readonly scale?: boolean;
}): JsonObject {
  const cols = options.scale
    ? SCALE_COLUMNS
    : options.info.custom
      ? customColumns(options.info)
      : (COLUMNS[`${options.info.group}/${options.info.plural}`] ?? [NAME, AGE]);
  const columnDefinitions = options.withHeaders
    ? cols.map((c) => ({
        name: c.name,
        type: c.type ?? 'string',
        format: c === NAME ? 'name' : '',
        description: c.name,
        priority: c.priority ?? 0,
      }))
    : [];
  const rows = options.objects.map((o) => ({
    cells: cols.map((c) => c.cell(o, options.now)),
    ...(options.include === 'None'
      ? {}
      : {
          object:
            options.include === 'Object'
              ? o
              : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata ?? {} },
        }),
  }));
  const metadata: JsonObject = {};
  if (options.resourceVersion !== undefined) metadata.resourceVersion = options.resourceVersion;
  if (options.continueToken !== undefined) metadata.continue = options.continueToken;
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata, columnDefinitions, rows };
}

/** True when the Accept header asks for a Table (`application/json;as=Table;v=v1;g=meta.k8s.io`). */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}
