/**
 * Small object builders shared by the API server's tests.
 */

/** A Pod as a test POSTs it. */
export interface PodManifest {
  readonly apiVersion: 'v1';
  readonly kind: 'Pod';
  readonly metadata: { readonly name: string; readonly labels: Record<string, string> };
  readonly spec: Record<string, unknown>;
}

/** A one-container busybox Pod named `name`, with `extra` spread into its spec. */
export function pod(
  name: string,
  extra: Record<string, unknown> = {},
  labels: Record<string, string> = {},
): PodManifest {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], ...extra },
  };
}
