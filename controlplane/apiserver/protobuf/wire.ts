/**
 * The protobuf wire format as the Kubernetes decoder needs it: a reader of varints and
 * length-delimited fields, and `decodeMessage`, which turns one message into JSON by a schema
 * (field number → name and type). Fields a schema does not list are skipped.
 */
import type { JsonObject } from '../../../lib/api/json.js';
import { ApiError } from '../status.js';

type Scalar = 'string' | 'bytes' | 'int' | 'bool';

/** One field of a message: name, how to read it, and whether it repeats. */
export interface Field {
  readonly name: string;
  readonly type: Scalar | 'message' | 'map' | 'intstr';
  readonly repeated?: boolean;
  readonly message?: () => Schema;
  /** For maps: the value type (keys are strings in every Kubernetes map). */
  readonly value?: 'string' | 'bytes';
  /** A pointer field in Go: a zero value was set on purpose and is kept. */
  readonly keepZero?: boolean;
  /** An embedded Go struct (`json:",inline"`): its fields belong to the parent in JSON. */
  readonly inline?: boolean;
}

/** A message: its fields by number. */
export type Schema = Readonly<Record<number, Field>>;

/** A field of a schema: `f('name', 'string', { repeated: true })`. */
export const f = (name: string, type: Field['type'], extra: Partial<Field> = {}): Field => ({
  name,
  type,
  ...extra,
});

/** A malformed body: 400, as apimachinery's protobuf serializer answers. */
export function bad(why: string): ApiError {
  return new ApiError(400, 'BadRequest', `error decoding protobuf body: ${why}`);
}

/** Reads a protobuf message field by field: varints, length-delimited bytes, skips. */
class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw bad('truncated varint');
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw bad('varint too long');
  }
  bytes(): Buffer {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw bad('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw bad(`unsupported wire type ${wire}`);
  }
}

function decodeMap(buf: Buffer, value: 'string' | 'bytes'): [string, string] {
  const r = new Reader(buf);
  let k = '';
  let v = '';
  while (!r.done()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    if (tag % 8 !== 2) {
      r.skip(tag % 8);
      continue;
    }
    const b = r.bytes();
    if (field === 1) k = b.toString('utf8');
    else if (field === 2) v = value === 'bytes' ? b.toString('base64') : b.toString('utf8');
  }
  return [k, v];
}

function decodeIntOrString(buf: Buffer): number | string {
  const r = new Reader(buf);
  let type = 0;
  let int = 0;
  let str = '';
  while (!r.done()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    if (field === 1) type = r.varint();
    else if (field === 2) int = r.varint();
    else if (field === 3) str = r.bytes().toString('utf8');
    else r.skip(tag % 8);
  }
  return type === 1 ? str : int;
}

/** Decodes one message by schema into JSON. */
export function decodeMessage(buf: Buffer, schema: Schema): JsonObject {
  const out: JsonObject = {};
  const r = new Reader(buf);
  while (!r.done()) {
    const tag = r.varint();
    const wire = tag % 8;
    const spec = schema[Math.floor(tag / 8)];
    if (!spec) {
      r.skip(wire);
      continue;
    }
    let value: JsonObject[keyof JsonObject];
    switch (spec.type) {
      case 'string':
        value = r.bytes().toString('utf8');
        break;
      case 'bytes':
        value = r.bytes().toString('base64');
        break;
      case 'int': {
        const n = r.varint();
        // int32 negatives arrive as 10-byte two's complement varints.
        value = n >= 2 ** 63 ? n - 2 ** 64 : n;
        break;
      }
      case 'bool':
        value = r.varint() !== 0;
        break;
      case 'intstr':
        value = decodeIntOrString(r.bytes());
        break;
      case 'map': {
        const [k, v] = decodeMap(r.bytes(), spec.value ?? 'string');
        const m = (out[spec.name] as JsonObject | undefined) ?? {};
        m[k] = v;
        out[spec.name] = m;
        continue;
      }
      case 'message':
        value = decodeMessage(r.bytes(), spec.message?.() ?? {});
        if (spec.inline) {
          Object.assign(out, value);
          continue;
        }
        break;
    }
    // Go's generated marshalers write zero values of non-pointer fields; JSON (omitempty) drops them.
    if (!spec.repeated && !spec.keepZero && (value === '' || value === 0 || value === false)) continue;
    if (spec.repeated) {
      const list = (out[spec.name] as JsonObject[keyof JsonObject][] | undefined) ?? [];
      list.push(value);
      out[spec.name] = list;
    } else {
      out[spec.name] = value;
    }
  }
  return out;
}
