/**
 * The CNI plugins (cni/README.md). Each one is an executable of its own, bundled from
 * `<name>/main.ts` by scripts/build.mjs and run by a container runtime; nothing imports a plugin
 * in memory, so this surface only names them.
 */

/** The plugins `switchyard cni install` writes, as built into dist/cni by scripts/build.mjs. */
export const CNI_PLUGINS = ['bridge', 'host-local', 'loopback', 'portmap'] as const;
