/**
 * API errors, as the client sees them: a non-2xx answer becomes lib/api's `ApiError` carrying
 * the decoded `Status`. Re-exported here so client code keeps one import for requests and the
 * predicates it branches on (`isNotFound(err)`, `isConflict(err)`, …).
 */
export * from '../api/errors.js';
