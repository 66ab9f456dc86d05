/**
 * cri-api.proto against the real thing: containerd's binary embeds the compiled descriptor of
 * CRI's runtime.v1 api.proto (Go protobuf registers it gzipped). Every message, field (name,
 * number, type, label, message type), enum value and RPC of our subset must be there as we
 * wrote it, except the few fields newer than containerd 1.6's cri-api, listed below.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { criProtoPath } from './client.js';

const CONTAINERD = '/usr/bin/containerd';
/** Fields of upstream cri-api (checked by hand) that containerd 1.6.20's older copy lacks. */
const NEWER = [
  'runtime.v1.ImageSpec.user_specified_image = 18',
  'runtime.v1.ImageSpec.runtime_handler = 19',
  'runtime.v1.Mount.recursive_read_only = 8',
  'runtime.v1.ImageFsInfoResponse.container_filesystems = 2',
];

interface Field {
  readonly name: string;
  readonly number: number;
  readonly type: string;
  readonly label: string;
  readonly typeName?: string;
}
interface Described {
  readonly format?: string;
  readonly type?: {
    readonly field?: readonly Field[];
    readonly value?: readonly { name: string; number: number }[];
  };
}

/** The FileDescriptorProto of package runtime.v1, found among the gzip streams in the binary. */
function embeddedRuntimeV1(): protoLoader.PackageDefinition {
  const bin = readFileSync(CONTAINERD);
  const magic = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]);
  for (let at = bin.indexOf(magic); at !== -1; at = bin.indexOf(magic, at + 1)) {
    let fd: Buffer;
    try {
      fd = gunzipSync(bin.subarray(at, at + 1_000_000), { finishFlush: 2 });
    } catch {
      continue;
    }
    if (!fd.includes('PodSandboxConfig')) continue;
    // A FileDescriptorSet is `repeated FileDescriptorProto file = 1`: tag 0x0a, varint length.
    const len: number[] = [];
    for (let v = fd.length; ; v >>>= 7) {
      if (v < 128) {
        len.push(v);
        break;
      }
      len.push((v & 127) | 128);
    }
    const def = protoLoader.loadFileDescriptorSetFromBuffer(
      Buffer.concat([Buffer.from([0x0a, ...len]), fd]),
      {
        keepCase: true,
      },
    );
    if (def['runtime.v1.PodSandboxConfig']) return def;
  }
  throw new Error(`no runtime.v1 descriptor found in ${CONTAINERD}`);
}

/** A message type name without package and map-entry suffix, for comparing the two loaders. */
const typeKey = (t: string | undefined): string =>
  (t ?? '')
    .replace(/^\.?runtime\.v1\./, '')
    .replace(/Entry$/, '')
    .replace(/_/g, '')
    .toLowerCase();

const messageName = (t: { readonly type: object }): unknown => (t.type as { readonly name?: unknown }).name;

describe('cri-api.proto', () => {
  it('matches the runtime.v1 descriptor compiled into containerd', () => {
    expect(existsSync(CONTAINERD), `${CONTAINERD} is needed (Debian package containerd)`).toBe(true);
    const theirs = embeddedRuntimeV1();
    const ours = protoLoader.loadSync(criProtoPath(), { keepCase: true });
    const differences: string[] = [];
    const absent: string[] = [];
    let fields = 0;
    for (const [name, entry] of Object.entries(ours)) {
      const mine = entry as Described;
      const upstream = theirs[name] as Described | undefined;
      if (mine.format === undefined) {
        // A service: every RPC with the same path and message types.
        const rpcs = entry as protoLoader.ServiceDefinition;
        const up = upstream as protoLoader.ServiceDefinition | undefined;
        for (const [rpc, m] of Object.entries(rpcs)) {
          const u = up?.[rpc];
          if (
            !u ||
            u.path !== m.path ||
            messageName(u.requestType) !== messageName(m.requestType) ||
            messageName(u.responseType) !== messageName(m.responseType)
          ) {
            differences.push(`rpc ${name}.${rpc}`);
          }
        }
        continue;
      }
      if (!upstream) {
        differences.push(`${name}: not in containerd`);
        continue;
      }
      for (const v of mine.type?.value ?? []) {
        if (!upstream.type?.value?.some((u) => u.name === v.name && u.number === v.number)) {
          differences.push(`${name}.${v.name} = ${v.number}`);
        }
      }
      for (const f of mine.type?.field ?? []) {
        fields += 1;
        const u = upstream.type?.field?.find((x) => x.number === f.number);
        if (!u) absent.push(`${name}.${f.name} = ${f.number}`);
        else if (
          u.name !== f.name ||
          u.type !== f.type ||
          u.label !== f.label ||
          typeKey(u.typeName) !== typeKey(f.typeName)
        ) {
          differences.push(
            `${name}.${f.name} = ${f.number}: ours ${f.type} ${f.label}, containerd's ${u.name} ${u.type} ${u.label}`,
          );
        }
      }
    }
    expect(differences).toEqual([]);
    expect(absent).toEqual(NEWER);
    expect(fields).toBeGreaterThan(250);
  });
});
