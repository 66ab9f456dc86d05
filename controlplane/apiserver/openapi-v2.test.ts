/**
 * `/openapi/v2` pieces on their own: the v3 → v2 schema rules kube-apiserver applies to custom
 * resources, Accept negotiation as kube-openapi's handler does it, and the protobuf encoding,
 * read back field by field with a small wire-format reader written from the .proto's numbers.
 */
import { describe, expect, it } from 'vitest';
import { negotiateOpenapiV2, pathItemV2, schemaV2 } from './openapi-v2.js';
import { encodeOpenapiV2 } from './openapi-v2-proto.js';

describe('schemaV2: structural v3 schema to v2 (apiextensions ToStructuralOpenAPIV2)', () => {
  it('a nullable value loses its type, properties and items, and stops being required', () => {
    const v2 = schemaV2({
      type: 'object',
      required: ['a', 'b'],
      properties: {
        a: { type: 'object', nullable: true, properties: { x: { type: 'string' } } },
        b: { type: 'array', nullable: true, items: { type: 'string' } },
      },
    });
    expect(v2).toEqual({ type: 'object', properties: { a: {}, b: {} } });
  });

  it('a nullable map value empties `required`', () => {
    const v2 = schemaV2({
      type: 'object',
      required: ['k'],
      properties: { k: { type: 'string' } },
      additionalProperties: { type: 'string', nullable: true },
    });
    expect(v2.required).toBeUndefined();
    expect(v2.additionalProperties).toEqual({});
  });

  it('preserve-unknown-fields drops properties and items; an object so marked is untyped', () => {
    expect(
      schemaV2({
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
        properties: { a: { type: 'string' } },
      }),
    ).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
    expect(
      schemaV2({ type: 'array', 'x-kubernetes-preserve-unknown-fields': true, items: { type: 'string' } }),
    ).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
  });

  it('junctors go; an int-or-string keeps only its extension; other keywords stay', () => {
    expect(
      schemaV2({
        'x-kubernetes-int-or-string': true,
        anyOf: [{ type: 'integer' }, { type: 'string' }],
        description: 'port',
      }),
    ).toEqual({ 'x-kubernetes-int-or-string': true, description: 'port' });
    expect(
      schemaV2({ type: 'string', enum: ['a', 'b'], default: 'a', pattern: '^a', oneOf: [{ pattern: 'x' }] }),
    ).toEqual({ type: 'string', enum: ['a', 'b'], default: 'a', pattern: '^a' });
  });

  it('an array without items is untyped, nested schemas convert too, references point at definitions', () => {
    expect(schemaV2({ type: 'array' })).toEqual({});
    expect(
      schemaV2({
        type: 'object',
        properties: {
          list: {
            type: 'array',
            items: { type: 'object', nullable: true, properties: { a: { type: 'string' } } },
          },
          meta: { description: 'md', allOf: [{ $ref: '#/components/schemas/io.k8s.X' }] },
          empty: { type: 'object', properties: {} },
        },
      }),
    ).toEqual({
      type: 'object',
      properties: {
        list: { type: 'array', items: {} },
        meta: { description: 'md', $ref: '#/definitions/io.k8s.X' },
        empty: { type: 'object' },
      },
    });
  });
});

describe('pathItemV2: v3 operations as Swagger 2.0 writes them', () => {
  it('query parameters carry their type; request body and response schemas move out of `content`', () => {
    const v2 = pathItemV2({
      patch: {
        'x-kubernetes-group-version-kind': { group: 'apps', version: 'v1', kind: 'Deployment' },
        parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } }],
        requestBody: {
          required: true,
          content: {
            'application/merge-patch+json': { schema: { $ref: '#/components/schemas/io.k8s.Patch' } },
            'application/apply-patch+yaml': { schema: { $ref: '#/components/schemas/io.k8s.Patch' } },
          },
        },
        responses: {
          '200': {
            description: 'OK',
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/io.k8s.api.apps.v1.Deployment' } },
            },
          },
          '401': { description: 'Unauthorized' },
        },
      },
    });
    expect(v2).toEqual({
      patch: {
        'x-kubernetes-group-version-kind': { group: 'apps', version: 'v1', kind: 'Deployment' },
        consumes: ['application/merge-patch+json', 'application/apply-patch+yaml'],
        produces: ['application/json'],
        parameters: [
          { name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.Patch' } },
          { name: 'fieldValidation', in: 'query', type: 'string' },
        ],
        responses: {
          '200': { description: 'OK', schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } },
          '401': { description: 'Unauthorized' },
        },
      },
    });
  });
});

describe('schemaV2 on schemas that are not structural', () => {
  it('drops what kubectl cannot parse: tuple items, lists of types', () => {
    expect(schemaV2({ type: 'array', items: [{ type: 'string' }, { type: 'integer' }] })).toEqual({});
    expect(schemaV2({ type: ['string', 'integer'], description: 'd' })).toEqual({
      description: 'd',
    });
  });
});

describe('negotiateOpenapiV2 (kube-openapi handler order: json, proto@, proto)', () => {
  it.each([
    [
      'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
      'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
    ],
    [
      'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
      'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
    ],
    ['application/json', 'application/json'],
    ['application/json, */*', 'application/json'],
    [undefined, 'application/json'],
    ['*/*', 'application/json'],
    ['application/*', 'application/json'],
    [
      'application/json;q=0.5, application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
      'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
    ],
    ['text/html', undefined],
    ['application/json;q=0', undefined],
  ])('Accept %s → %s', (accept, want) => {
    expect(negotiateOpenapiV2(accept)).toBe(want);
  });
});

/** A field of a decoded message: varints as bigint, length-delimited as bytes, fixed64 as a double. */
type Value = bigint | Buffer | number;

function readFields(buf: Buffer): [number, Value][] {
  const out: [number, Value][] = [];
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[i++];
      if (b === undefined) throw new Error('truncated varint');
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const wire = key & 7;
    if (wire === 0) out.push([key >> 3, varint()]);
    else if (wire === 1) {
      out.push([key >> 3, buf.readDoubleLE(i)]);
      i += 8;
    } else if (wire === 2) {
      const n = Number(varint());
      out.push([key >> 3, buf.subarray(i, i + n)]);
      i += n;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

const field = (buf: Buffer, n: number): Value[] =>
  readFields(buf)
    .filter(([f]) => f === n)
    .map(([, v]) => v);
const msg = (buf: Buffer, n: number): Buffer => {
  const v = field(buf, n)[0];
  if (!Buffer.isBuffer(v)) throw new Error(`field ${n}: not a message`);
  return v;
};
const str = (buf: Buffer, n: number): string => msg(buf, n).toString('utf8');
/** A repeated Named* field as [name, value message] pairs. */
const named = (buf: Buffer, n: number): [string, Buffer][] =>
  field(buf, n).map((v) => [str(v as Buffer, 1), msg(v as Buffer, 2)]);

describe('encodeOpenapiV2: gnostic openapi.v2.Document', () => {
  const doc = {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.32.4' },
    paths: {
      '/apis/example.com/v1/namespaces/{namespace}/widgets/{name}': {
        patch: {
          'x-kubernetes-group-version-kind': { group: 'example.com', version: 'v1', kind: 'Widget' },
          parameters: [{ name: 'fieldValidation', in: 'query', type: 'string' }],
          responses: { '200': { description: 'OK' } },
        },
      },
    },
    definitions: {
      'com.example.v1.Widget': {
        type: 'object',
        required: ['spec'],
        properties: {
          spec: {
            type: 'object',
            properties: {
              size: { type: 'integer', minimum: 1, maximum: -3.5, description: 'How big.' },
              mode: { type: 'string', enum: ['fast', 'slow'], default: 'fast' },
              tags: { type: 'array', items: { type: 'string' } },
              labels: { type: 'object', additionalProperties: { type: 'string' } },
              free: { type: 'object', additionalProperties: true },
            },
          },
        },
        'x-kubernetes-group-version-kind': [{ group: 'example.com', version: 'v1', kind: 'Widget' }],
      },
    },
  };
  const pb = encodeOpenapiV2(doc);

  it('document header: swagger, info', () => {
    expect(str(pb, 1)).toBe('2.0');
    expect(str(msg(pb, 2), 1)).toBe('Kubernetes');
    expect(str(msg(pb, 2), 2)).toBe('v1.32.4');
  });

  it('a PATCH operation with its GVK extension and query parameter', () => {
    const [[path, item]] = named(msg(pb, 8), 2) as [[string, Buffer]];
    expect(path).toBe('/apis/example.com/v1/namespaces/{namespace}/widgets/{name}');
    const patch = msg(item, 8);
    const [[ext, any]] = named(patch, 13) as [[string, Buffer]];
    expect(ext).toBe('x-kubernetes-group-version-kind');
    expect(JSON.parse(str(any, 2))).toEqual({ group: 'example.com', version: 'v1', kind: 'Widget' });
    // ParametersItem.parameter → Parameter.non_body_parameter → NonBodyParameter.query_parameter_sub_schema
    const query = msg(msg(msg(msg(patch, 8), 1), 2), 3);
    expect(str(query, 4)).toBe('fieldValidation');
    expect(str(query, 2)).toBe('query');
    expect(str(query, 6)).toBe('string');
    const [[code, value]] = named(msg(patch, 9), 1) as [[string, Buffer]];
    expect(code).toBe('200');
    expect(str(msg(value, 1), 1)).toBe('OK');
  });

  it('definitions: types, required, properties, numbers, enum and default as YAML, items, maps', () => {
    const [[name, widget]] = named(msg(pb, 9), 1) as [[string, Buffer]];
    expect(name).toBe('com.example.v1.Widget');
    expect(str(msg(widget, 22), 1)).toBe('object');
    expect(str(widget, 19)).toBe('spec');
    const [[gvkName, gvk]] = named(widget, 31) as [[string, Buffer]];
    expect(gvkName).toBe('x-kubernetes-group-version-kind');
    expect(JSON.parse(str(gvk, 2))).toEqual([{ group: 'example.com', version: 'v1', kind: 'Widget' }]);
    const spec = new Map(named(msg(widget, 25), 1)).get('spec') as Buffer;
    const props = new Map(named(msg(spec, 25), 1));
    const size = props.get('size') as Buffer;
    expect(str(msg(size, 22), 1)).toBe('integer');
    expect(field(size, 9)).toEqual([1]);
    expect(field(size, 7)).toEqual([-3.5]);
    expect(str(size, 4)).toBe('How big.');
    const mode = props.get('mode') as Buffer;
    expect(field(mode, 20).map((v) => JSON.parse(str(v as Buffer, 2)))).toEqual(['fast', 'slow']);
    expect(JSON.parse(str(msg(mode, 5), 2))).toBe('fast');
    const items = msg(props.get('tags') as Buffer, 23);
    expect(str(msg(msg(items, 1), 22), 1)).toBe('string');
    const labels = msg(props.get('labels') as Buffer, 21);
    expect(str(msg(msg(labels, 1), 22), 1)).toBe('string');
    expect(field(msg(props.get('free') as Buffer, 21), 2)).toEqual([1n]);
  });

  it('int64 fields encode negative numbers as ten-byte varints and zero values are left out', () => {
    const small = encodeOpenapiV2({ definitions: { X: { minLength: 0, maxLength: -1, readOnly: false } } });
    const [[, x]] = named(msg(small, 9), 1) as [[string, Buffer]];
    expect(readFields(x)).toEqual([[11, 2n ** 64n - 1n]]);
  });
});
