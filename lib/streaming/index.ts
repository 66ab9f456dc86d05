/** WebSocket (RFC 6455, both sides) and Kubernetes' channel protocol over it (v4/v5.channel.k8s.io). */
export type { ChannelMessage, SessionOutcome } from './channels.js';
export {
  Channel,
  ChannelSession,
  CLOSE_CHANNEL,
  decodeChannel,
  decodeResize,
  decodeStatus,
  encodeChannel,
  encodeClose,
  encodeStatus,
  V4_PROTOCOL,
  V5_PROTOCOL,
} from './channels.js';
export type { Frame } from './frames.js';
export { CloseCode, encodeFrame, FrameError, FrameParser, Opcode } from './frames.js';
export type { ConnectOptions, UpgradeCheck } from './handshake.js';
export {
  acceptKey,
  acceptUpgrade,
  checkUpgrade,
  connectWebSocket,
  isWebSocketUpgrade,
  UpgradeRefusedError,
} from './handshake.js';
export type { CloseInfo, WebSocketOptions } from './websocket.js';
export { WebSocket } from './websocket.js';
