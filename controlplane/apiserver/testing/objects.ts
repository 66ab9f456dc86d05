/**
 * Small object builders shared by the API server's tests.
 */

/** A one-container busybox Pod named `name`, with `extra` spread into its spec. */
export function pod(
  name: string,
  extra: Record<string, unknown> = {},
  labels: Record<string, string> = {},
): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], ...extra },
  };
}
