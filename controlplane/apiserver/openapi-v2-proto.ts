/**
 * Encodes a Swagger 2.0 JSON document as gnostic's `openapi.v2.Document` protobuf
 * (google/gnostic openapiv2/OpenAPIv2.proto), the body client-go's `OpenAPISchema()` asks for
 * and decodes with no JSON fallback. Field numbers come from that .proto. Free-form values
 * (`default`, `enum`, `example`, `x-…` extensions) travel as `Any.yaml`; JSON text is YAML, and
 * kube-openapi reads them back with a YAML parser. Proto3 drops zero scalars, as gnostic does.
 * Only what a Kubernetes document uses is encoded: unknown keys are skipped.
 */
import { isJsonObject, type Json, type JsonObject } from '../../lib/api/json.js';

/** Builds one message: fields appended in order, wire types per proto3. */
class Message {
  readonly #parts: Buffer[] = [];

  #key(field: number, wire: number): void {
    this.#varint(BigInt((field << 3) | wire));
  }

  #varint(v: bigint): void {
    let n = BigInt.asUintN(64, v);
    const bytes: number[] = [];
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n !== 0n) b |= 0x80;
      bytes.push(b);
    } while (n !== 0n);
    this.#parts.push(Buffer.from(bytes));
  }

  #bytes(field: number, b: Buffer): void {
    this.#key(field, 2);
    this.#varint(BigInt(b.length));
    this.#parts.push(b);
  }

  string(field: number, v: Json | undefined): this {
    if (typeof v === 'string' && v !== '') this.#bytes(field, Buffer.from(v, 'utf8'));
    return this;
  }

  strings(field: number, v: Json | undefined): this {
    if (Array.isArray(v))
      for (const s of v) if (typeof s === 'string') this.#bytes(field, Buffer.from(s, 'utf8'));
    return this;
  }

  bool(field: number, v: Json | undefined): this {
    if (v === true) {
      this.#key(field, 0);
      this.#varint(1n);
    }
    return this;
  }

  int(field: number, v: Json | undefined): this {
    if (typeof v === 'number' && Number.isInteger(v) && v !== 0) {
      this.#key(field, 0);
      this.#varint(BigInt(v));
    }
    return this;
  }

  double(field: number, v: Json | undefined): this {
    if (typeof v === 'number' && v !== 0) {
      this.#key(field, 1);
      const b = Buffer.alloc(8);
      b.writeDoubleLE(v);
      this.#parts.push(b);
    }
    return this;
  }

  message(field: number, m: Message | undefined): this {
    if (m !== undefined) this.#bytes(field, m.bytes());
    return this;
  }

  messages(field: number, ms: readonly Message[]): this {
    for (const m of ms) this.#bytes(field, m.bytes());
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

function any(v: Json | undefined): Message | undefined {
  return v === undefined ? undefined : new Message().string(2, JSON.stringify(v));
}

/** `x-…` keys of an object as repeated NamedAny. */
function extensions(o: JsonObject): Message[] {
  return Object.entries(o)
    .filter(([k]) => k.startsWith('x-'))
    .map(([name, value]) => new Message().string(1, name).message(2, any(value)));
}

function named(o: Json | undefined, value: (v: JsonObject) => Message): Message[] {
  if (!isJsonObject(o)) return [];
  return Object.entries(o)
    .filter((e): e is [string, JsonObject] => isJsonObject(e[1]))
    .map(([name, v]) => new Message().string(1, name).message(2, value(v)));
}

function schema(s: JsonObject): Message {
  const m = new Message()
    .string(1, s.$ref)
    .string(2, s.format)
    .string(3, s.title)
    .string(4, s.description)
    .message(5, any(s.default))
    .double(6, s.multipleOf)
    .double(7, s.maximum)
    .bool(8, s.exclusiveMaximum)
    .double(9, s.minimum)
    .bool(10, s.exclusiveMinimum)
    .int(11, s.maxLength)
    .int(12, s.minLength)
    .string(13, s.pattern)
    .int(14, s.maxItems)
    .int(15, s.minItems)
    .bool(16, s.uniqueItems)
    .int(17, s.maxProperties)
    .int(18, s.minProperties)
    .strings(19, s.required)
    .messages(20, Array.isArray(s.enum) ? s.enum.map((v) => any(v) ?? new Message()) : []);
  const ap = s.additionalProperties;
  if (isJsonObject(ap)) m.message(21, new Message().message(1, schema(ap)));
  else if (typeof ap === 'boolean') m.message(21, new Message().bool(2, ap));
  if (s.type !== undefined)
    m.message(22, new Message().strings(1, Array.isArray(s.type) ? s.type : [s.type]));
  const items = Array.isArray(s.items)
    ? s.items.filter(isJsonObject)
    : isJsonObject(s.items)
      ? [s.items]
      : [];
  if (items.length > 0) m.message(23, new Message().messages(1, items.map(schema)));
  if (Array.isArray(s.allOf)) m.messages(24, s.allOf.filter(isJsonObject).map(schema));
  if (isJsonObject(s.properties)) m.message(25, new Message().messages(1, named(s.properties, schema)));
  return m
    .string(26, s.discriminator)
    .bool(27, s.readOnly)
    .message(30, any(s.example))
    .messages(31, extensions(s));
}

/** A non-body parameter's fields shared by the query, path and header sub-schemas. */
interface SubSchema {
  readonly field: number;
  readonly type: number;
  readonly format: number;
  readonly unique: number;
}
const QUERY: SubSchema = { field: 3, type: 6, format: 7, unique: 20 };
const SUB_SCHEMA: Readonly<Record<string, SubSchema>> = {
  header: { field: 1, type: 5, format: 6, unique: 19 },
  formData: { field: 2, type: 6, format: 7, unique: 20 },
  query: QUERY,
  path: { field: 4, type: 5, format: 6, unique: 19 },
};

function parameter(p: JsonObject): Message {
  if (typeof p.$ref === 'string') {
    return new Message().message(2, new Message().string(1, p.$ref).string(2, p.description));
  }
  if (p.in === 'body') {
    const body = new Message()
      .string(1, p.description)
      .string(2, p.name)
      .string(3, p.in)
      .bool(4, p.required)
      .message(5, isJsonObject(p.schema) ? schema(p.schema) : undefined)
      .messages(6, extensions(p));
    return new Message().message(1, new Message().message(1, body));
  }
  const at = SUB_SCHEMA[String(p.in)] ?? QUERY;
  const sub = new Message()
    .bool(1, p.required)
    .string(2, p.in)
    .string(3, p.description)
    .string(4, p.name)
    .string(at.type, p.type)
    .string(at.format, p.format)
    .bool(at.unique, p.uniqueItems);
  return new Message().message(1, new Message().message(2, new Message().message(at.field, sub)));
}

function responseValue(v: JsonObject): Message {
  if (typeof v.$ref === 'string') return new Message().message(2, new Message().string(1, v.$ref));
  const response = new Message()
    .string(1, v.description)
    .message(2, isJsonObject(v.schema) ? new Message().message(1, schema(v.schema)) : undefined)
    .messages(5, extensions(v));
  return new Message().message(1, response);
}

function responses(r: JsonObject): Message {
  const codes = Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('x-')));
  return new Message().messages(1, named(codes, responseValue)).messages(2, extensions(r));
}

function operation(o: JsonObject): Message {
  return new Message()
    .strings(1, o.tags)
    .string(2, o.summary)
    .string(3, o.description)
    .string(5, o.operationId)
    .strings(6, o.produces)
    .strings(7, o.consumes)
    .messages(8, Array.isArray(o.parameters) ? o.parameters.filter(isJsonObject).map(parameter) : [])
    .message(9, isJsonObject(o.responses) ? responses(o.responses) : undefined)
    .strings(10, o.schemes)
    .bool(11, o.deprecated)
    .messages(13, extensions(o));
}

const OPERATION_FIELDS = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 } as const;

function pathItem(p: JsonObject): Message {
  const m = new Message().string(1, p.$ref);
  for (const [op, field] of Object.entries(OPERATION_FIELDS)) {
    const o = p[op];
    if (isJsonObject(o)) m.message(field, operation(o));
  }
  return m
    .messages(9, Array.isArray(p.parameters) ? p.parameters.filter(isJsonObject).map(parameter) : [])
    .messages(10, extensions(p));
}

/** The whole document. */
export function encodeOpenapiV2(doc: Json): Buffer {
  if (!isJsonObject(doc)) throw new TypeError('openapi v2 document: not a JSON object');
  const info = isJsonObject(doc.info) ? doc.info : {};
  const paths = isJsonObject(doc.paths) ? doc.paths : {};
  const pathEntries = Object.fromEntries(Object.entries(paths).filter(([k]) => !k.startsWith('x-')));
  return new Message()
    .string(1, doc.swagger)
    .message(2, new Message().string(1, info.title).string(2, info.version).string(3, info.description))
    .string(3, doc.host)
    .string(4, doc.basePath)
    .strings(5, doc.schemes)
    .strings(6, doc.consumes)
    .strings(7, doc.produces)
    .message(8, new Message().messages(1, extensions(paths)).messages(2, named(pathEntries, pathItem)))
    .message(9, new Message().messages(1, named(doc.definitions, schema)))
    .messages(16, extensions(doc))
    .bytes();
}
