// Bundles the CLI (and, later, each CNI plugin) into single files under dist/ with esbuild.
// Native packages stay external; everything else is bundled so start-up loads one file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const external = [
  'koffi',
  'netlink',
  'better-sqlite3',
  '@grpc/grpc-js',
  '@grpc/proto-loader',
  'etcd3',
  'execa',
  'prom-client',
  'yaml',
  'ipaddr.js',
];

mkdirSync(`${root}dist`, { recursive: true });
await build({
  entryPoints: { switchyard: `${root}cli/main.ts` },
  outdir: `${root}dist`,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  external,
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __syCreateRequire } from 'node:module'; const require = __syCreateRequire(import.meta.url);",
  },
});
writeFileSync(`${root}dist/.stamp`, `${new Date().toISOString()}\n`);
