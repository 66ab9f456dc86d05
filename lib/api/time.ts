/**
 * Kubernetes timestamps on the wire: RFC 3339 in UTC, at second precision for `metav1.Time`
 * (`2026-12-05T15:30:52Z`: creationTimestamp, lastTransitionTime, …) and at microsecond
 * precision for `metav1.MicroTime` (`2026-12-05T15:30:52.123000Z`: Lease renewTime, Event
 * eventTime). JavaScript clocks count milliseconds, so a MicroTime's last three digits are 0.
 */

/** `metav1.Time` text of an instant (a Date or epoch milliseconds): fractional seconds dropped. */
export function formatTime(at: Date | number): string {
  return new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** `metav1.MicroTime` text of an instant (a Date or epoch milliseconds). */
export function formatMicroTime(at: Date | number): string {
  return new Date(at).toISOString().replace(/Z$/, '000Z');
}
