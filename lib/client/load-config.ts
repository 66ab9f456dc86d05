/**
 * Which configuration a component uses, picked as client-go's BuildConfigFromFlags does: an
 * explicit `--kubeconfig`, then `$KUBECONFIG`, then the pod's service account (`in-cluster.ts`)
 * when its service environment is set, then `~/.kube/config`.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, SwitchyardError } from '../errors/index.js';
import { inClusterConfig, inClusterEnvSet } from './in-cluster.js';
import { loadKubeconfig, type RestConfig } from './kubeconfig.js';

/** Options of `loadRestConfig`. */
export interface LoadRestConfigOptions {
  /** A `--kubeconfig FILE` flag value. */
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly serviceAccountDir?: string;
}

/**
 * The usual lookup order of a component (client-go's BuildConfigFromFlags): an explicit
 * kubeconfig, then `$KUBECONFIG`, then the in-cluster service account when the pod's service
 * environment is set, then `~/.kube/config`. When none exists the error names all four.
 */
export function loadRestConfig(options: LoadRestConfigOptions = {}): RestConfig {
  const env = options.env ?? process.env;
  const context = options.context === undefined ? {} : { context: options.context };
  if (options.kubeconfig) return loadKubeconfig({ path: options.kubeconfig, env, ...context });
  if (env.KUBECONFIG?.split(':').some((p) => p !== '')) return loadKubeconfig({ env, ...context });
  if (inClusterEnvSet(env)) {
    return inClusterConfig({
      env,
      ...(options.serviceAccountDir === undefined ? {} : { serviceAccountDir: options.serviceAccountDir }),
    });
  }
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  if (!existsSync(home)) {
    throw new SwitchyardError(
      ErrorCode.Invalid,
      `no API server configuration: no --kubeconfig given, $KUBECONFIG not set, not in a pod ` +
        `($KUBERNETES_SERVICE_HOST/_PORT not set), and ${home} does not exist`,
      { field: 'kubeconfig' },
    );
  }
  return loadKubeconfig({ path: home, env, ...context });
}
