// Bundles the CLI and each CNI plugin into single files under dist/ with esbuild.
// Native packages stay external to the CLI; everything else is bundled so start-up loads one file.
// `node scripts/build.mjs --cni-out DIR` builds only the CNI plugins, into DIR (tests use it).
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;

// CNI plugins: one self-contained CommonJS file each (no externals, no node_modules at run time),
// with a shebang, so a runtime can exec it from any bin dir. CommonJS because an extensionless
// file is normally loaded as CommonJS, which starts a little faster than ESM.
const cniPlugins = ['bridge', 'host-local', 'loopback', 'portmap'];
async function buildCni(outDir) {
  mkdirSync(outDir, { recursive: true });
  await Promise.all(
    cniPlugins
      .filter((name) => existsSync(`${root}cni/${name}/main.ts`))
      .map(async (name) => {
        const outfile = `${outDir}/${name}`;
        await build({
          entryPoints: [`${root}cni/${name}/main.ts`],
          outfile,
          bundle: true,
          platform: 'node',
          format: 'cjs',
          target: 'node20',
          minify: true,
          legalComments: 'none',
          logLevel: 'warning',
          // In a "type": "module" tree Node loads the extensionless file as ESM, where `require` is
          // missing; the bundle only requires node: builtins, which process.getBuiltinModule
          // (Node >= 20.16) serves, so the same file runs either way.
          banner: {
            js: "#!/usr/bin/env node\nvar require = typeof require === 'function' ? require : (id) => process.getBuiltinModule(id);",
          },
        });
        chmodSync(outfile, 0o755);
      }),
  );
  // Without this marker, a plugin dir inside this repo ("type": "module") makes Node load the
  // extensionless bundles through the ESM loader, which costs ~7 ms CPU per call over CommonJS
  // (measured, cni/README.md). Installed copies (no package.json above them) load as CommonJS anyway.
  writeFileSync(`${outDir}/package.json`, '{ "type": "commonjs" }\n');
}

const cniOutFlag = process.argv.indexOf('--cni-out');
if (cniOutFlag !== -1) {
  await buildCni(process.argv[cniOutFlag + 1] ?? `${root}dist/cni`);
  process.exit(0);
}
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
rmSync(`${root}dist/chunks`, { recursive: true, force: true });
await build({
  entryPoints: { switchyard: `${root}cli/main.ts` },
  outdir: `${root}dist`,
  outExtension: { '.js': '.mjs' },
  // Each command is a chunk loaded when it runs (cli/commands/index.ts), so a light command
  // does not load the heavy packages of another.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
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
await buildCni(`${root}dist/cni`);
writeFileSync(`${root}dist/.stamp`, `${new Date().toISOString()}\n`);
