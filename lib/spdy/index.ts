/** SPDY/3.1 as Kubernetes speaks it (moby/spdystream): framing, header compression, sessions and streams. */
export { HEADER_DICTIONARY } from './dictionary.js';
export type { RawFrame } from './frames.js';
export {
  decodeHeaderBlock,
  decodeSettings,
  encodeData,
  encodeGoAway,
  encodeHeaderBlock,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeStreamHeaders,
  encodeSynStream,
  encodeWindowUpdate,
  Flag,
  FrameParser,
  FrameType,
  GoAwayStatus,
  MAX_FRAME_LENGTH,
  RstStatus,
  SettingId,
  SpdyFrameError,
} from './frames.js';
export { HeaderCompressor, HeaderDecompressor } from './headers.js';
export type { SpdySessionOptions } from './session.js';
export { SpdySession } from './session.js';
export { DEFAULT_WINDOW, SpdyStream } from './stream.js';
export type { SpdyUpgraded, SpdyUpgradeOptions } from './upgrade.js';
export {
  dialUrl,
  joinSockets,
  SPDY_UPGRADE,
  spliceUpgrade,
  upgradeRequest,
  writeHttpError,
} from './upgrade.js';
