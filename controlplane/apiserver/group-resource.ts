/**
 * A resource named by group and plural (apimachinery's `schema.GroupResource`) and the name
 * Status messages give it. Imports nothing: `status.ts` uses it without reaching the resource
 * table (`resources.ts`), which would close an import cycle.
 */

/** Group and plural of a resource type (`''` for the core group). */
export interface GroupResource {
  readonly group: string;
  readonly plural: string;
}

/** `deployments.apps`, or `pods` for core: the name Status messages use. */
export function qualifiedResource(info: GroupResource): string {
  return info.group === '' ? info.plural : `${info.plural}.${info.group}`;
}
