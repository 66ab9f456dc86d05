/** Observability: JSON-lines logger, per-component metrics registries, /metrics + health server. */
export type { CheckResult, HealthCheck } from './health.js';
export { HealthChecks } from './health.js';
export type { ListenAddr } from './listen-addr.js';
export { formatListenAddr, parseListenAddr } from './listen-addr.js';
export type { LogFields, Logger, LoggerOptions, LogLevel, LogSink } from './logger.js';
export { createLogger, LOG_LEVELS, parseLogLevel } from './logger.js';
export type { ComponentRegistry, MetricUnit, RegistryOptions } from './metrics.js';
export { assertMetricName, createRegistry, METRIC_UNITS, metricName, perRegistry } from './metrics.js';
export type { ObsServer, ObsServerOptions } from './server.js';
export { startObsServer } from './server.js';
