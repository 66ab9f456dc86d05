/**
 * The health endpoints as kube-apiserver serves them (k8s.io/apiserver pkg/server/healthz):
 * `/livez`, `/readyz` and the deprecated `/healthz` answer `ok`; `?verbose` lists every check as
 * `[+]name ok` (or `[-]name failed: reason withheld`) and ends with `<endpoint> check passed`;
 * `?exclude=name` skips a check (`[+]name excluded: ok`); `/livez/<name>` runs one check.
 * A failed check makes the answer 500.
 */

/** One named check: true when healthy. */
export interface HealthCheck {
  readonly name: string;
  readonly ok: () => boolean;
}

/** What a health request answers. */
export interface HealthAnswer {
  readonly status: number;
  readonly body: string;
}

const ENDPOINTS = ['healthz', 'livez', 'readyz'];

/** True for `/livez`, `/readyz`, `/healthz` and their per-check paths. */
export function isHealthPath(path: string): boolean {
  const [, first, , extra] = path.split('/');
  return extra === undefined && first !== undefined && ENDPOINTS.includes(first);
}

/**
 * Answers a health path, or undefined when it names no known check. `checks` are the endpoint's
 * checks in order; `query` its query string.
 */
export function healthAnswer(options: {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly checks: (endpoint: string) => readonly HealthCheck[];
}): HealthAnswer | undefined {
  const [, endpoint = '', single] = options.path.split('/');
  const checks = options.checks(endpoint);
  if (single !== undefined) {
    const check = checks.find((c) => c.name === single);
    if (!check) return undefined;
    return check.ok()
      ? { status: 200, body: 'ok' }
      : { status: 500, body: `internal server error: ${single} check failed` };
  }
  const excluded = new Set(options.query.getAll('exclude'));
  const lines: string[] = [];
  let failed = false;
  for (const c of checks) {
    if (excluded.has(c.name)) {
      lines.push(`[+]${c.name} excluded: ok`);
      continue;
    }
    if (c.ok()) lines.push(`[+]${c.name} ok`);
    else {
      failed = true;
      lines.push(`[-]${c.name} failed: reason withheld`);
    }
  }
  if (failed) return { status: 500, body: `${lines.join('\n')}\n${endpoint} check failed\n` };
  return options.query.has('verbose')
    ? { status: 200, body: `${lines.join('\n')}\n${endpoint} check passed\n` }
    : { status: 200, body: 'ok' };
}
