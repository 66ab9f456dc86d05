/**
 * nftables adapter: a typed object model, a never-throwing Transaction builder rendered as one
 * `nft -f -` script, the real runner (inside a named netns) and a transactional FakeNft.
 */
export { canonicalize, canonicalObject, dumpObjects, normalizeRuleText } from './canonical.js';
export { NftError, nftErrorFromStderr } from './errors.js';
export type { ExecFn, ExecResult, NftOptions } from './exec-nft.js';
export { createNft, execaExec } from './exec-nft.js';
export { FakeNft } from './fake.js';
export type { Nft } from './nft.js';
export { parseScript } from './parse-script.js';
export { jsonValueText, parseTextListing, readBack } from './read-back.js';
export { objectRef, renderOperation, renderScript } from './render.js';
export { Transaction } from './transaction.js';
export type {
  Chain,
  ChainPolicy,
  ChainType,
  Element,
  Family,
  Hook,
  NftMap,
  NftObject,
  NftSet,
  Operation,
  Rule,
  SetFlag,
  Table,
  Verb,
} from './types.js';
export { CHAIN_TYPES, FAMILIES, HOOKS, SET_FLAGS } from './types.js';
export { validateOperation } from './validate.js';
