/**
 * The `web` Deployment the everyday-kubectl tests (kubectl-compat, kubectl-get)
 * start from, applied by the real kubectl once the server is up.
 */
import type { ServerHarness } from './harness.js';

/** The manifest of Deployment `web` (container `nginx`) with `replicas` and `image`. */
export const DEPLOY = (replicas: number, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: ${image}
`;

/** `useTestServer` setup: applies `web` with 2 replicas of nginx:1.27. */
export async function applyWeb(h: ServerHarness): Promise<void> {
  const r = await h.k('apply', '-f', h.file('web.yaml', DEPLOY(2, 'nginx:1.27')));
  if (r.code !== 0) throw new Error(r.stderr);
}
