/**
 * Reads portmap's own elements back from the kernel (`nft -j list table …`), with their
 * comments, so DEL, CHECK and GC work from what is really installed — even without prevResult.
 */
import type { Element } from '../../lib/nft/index.js';
import { nftJson } from '../ip/index.js';
import { FAMS, PORTMAP_TABLE } from './rules.js';

type Json = Readonly<Record<string, unknown>>;

function keyText(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (v && typeof v === 'object') {
    const concat = (v as Json).concat;
    if (Array.isArray(concat)) return concat.map(keyText).join(' . ');
    const prefix = (v as Json).prefix as Json | undefined;
    if (prefix) return `${keyText(prefix.addr)}/${keyText(prefix.len)}`;
  }
  return JSON.stringify(v);
}

/** One element of a listed set or map: `elem` is a key, or `{elem: {val, comment}}`; maps pair it with a value. */
function parseElem(family: Element['family'], set: string, raw: unknown): Element {
  const keyPart = Array.isArray(raw) ? raw[0] : raw;
  const wrapped =
    keyPart && typeof keyPart === 'object' ? ((keyPart as Json).elem as Json | undefined) : undefined;
  const key = keyText(wrapped ? wrapped.val : keyPart);
  const comment = typeof wrapped?.comment === 'string' ? wrapped.comment : undefined;
  return {
    kind: 'element',
    family,
    table: PORTMAP_TABLE,
    set,
    key,
    ...(comment === undefined ? {} : { comment }),
    ...(Array.isArray(raw) ? { value: keyText(raw[1]) } : {}),
  };
}

/** Every element in portmap's tables (both families); empty when the tables do not exist. */
export function listPortmapElements(): Element[] {
  const out: Element[] = [];
  for (const f of Object.values(FAMS)) {
    const json = nftJson(['list', 'table', f.family, PORTMAP_TABLE]) as { nftables?: Json[] } | undefined;
    for (const item of json?.nftables ?? []) {
      const obj = (item.set ?? item.map) as Json | undefined;
      if (!obj || !Array.isArray(obj.elem)) continue;
      for (const e of obj.elem) out.push(parseElem(f.family, String(obj.name), e));
    }
  }
  return out;
}
