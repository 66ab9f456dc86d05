export * from './apps-v1.js';
export * from './core-v1.js';
export * from './meta.js';
export * from './networking-v1.js';
export * from './rbac-aggregation.js';
export * from './rbac-v1.js';
