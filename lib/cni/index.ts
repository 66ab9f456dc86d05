/** CNI spec types, error codes, version negotiation, result conversion, the exec invoker and conflist chains. */
export {
  addNetworkList,
  type ChainOptions,
  checkNetworkList,
  delNetworkList,
  gcNetworkList,
  parseNetConfList,
  pluginConfig,
  type RuntimeConf,
} from './chain.js';
export { CniCode, CniError, type CniErrorJson, type CniErrorOptions, isCniError } from './errors.js';
export {
  type ExecFn,
  type ExecOutput,
  findPlugin,
  type InvokeOptions,
  invokeAdd,
  invokeRaw,
  invokeVersion,
  invokeVoid,
  pluginEnv,
  spawnExec,
} from './invoke.js';
export { familyOf, formatResult, parseDns, parseResult, parseRoute } from './result.js';
export {
  type Attachment,
  CNI_COMMANDS,
  type CniCommand,
  type Dns,
  type NetConf,
  type NetConfList,
  type Result,
  type ResultInterface,
  type ResultIp,
  type ResultRoute,
  type VersionInfo,
} from './types.js';
export {
  CURRENT_VERSION,
  compareVersions,
  IMPLICIT_VERSION,
  isV1,
  isVersion,
  negotiateVersion,
  SUPPORTED_VERSIONS,
} from './version.js';
