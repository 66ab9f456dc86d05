/**
 * Pod spec checks (k8s.io/kubernetes pkg/apis/core/validation/validation.go ValidatePodSpec,
 * cut down to what clients of this project get wrong): containers present with unique DNS-label
 * names and an image, ports in range with valid protocols, env names, volume names unique.
 */
import { duplicate, type FieldError, invalidValue, notSupported, required } from './field-errors.js';
import { asArray, asRecord, asString } from './json.js';
import { dns1123LabelProblem, portNameProblem } from './names.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const RESTART = ['Always', 'OnFailure', 'Never'];

/** True for an integer port number 1–65535. */
export function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}

/** `Invalid value: 70000: must be between 1 and 65535, inclusive` unless `v` is a port. */
export function checkPort(field: string, v: unknown, errs: FieldError[]): void {
  if (v === undefined) errs.push(required(field));
  else if (!isPort(v)) errs.push(invalidValue(field, v, 'must be between 1 and 65535, inclusive'));
}

/** Checks a protocol field (`TCP` when absent). */
export function checkProtocol(field: string, v: unknown, errs: FieldError[]): void {
  if (v !== undefined && !PROTOCOLS.includes(String(v))) errs.push(notSupported(field, v, PROTOCOLS));
}

function validateContainer(c: unknown, path: string, names: Set<string>, errs: FieldError[]): void {
  const ctr = asRecord(c);
  if (!ctr) {
    errs.push(required(path));
    return;
  }
  const name = asString(ctr.name);
  if (!name) errs.push(required(`${path}.name`));
  else {
    const problem = dns1123LabelProblem(name);
    if (problem) errs.push(invalidValue(`${path}.name`, name, problem));
    if (names.has(name)) errs.push(duplicate(`${path}.name`, name));
    names.add(name);
  }
  if (!asString(ctr.image)) errs.push(required(`${path}.image`));
  const portNames = new Set<string>();
  (asArray(ctr.ports) ?? []).forEach((p, i) => {
    const port = asRecord(p) ?? {};
    const pp = `${path}.ports[${i}]`;
    checkPort(`${pp}.containerPort`, port.containerPort, errs);
    if (port.hostPort !== undefined && port.hostPort !== 0) checkPort(`${pp}.hostPort`, port.hostPort, errs);
    checkProtocol(`${pp}.protocol`, port.protocol, errs);
    const pn = asString(port.name);
    if (pn !== undefined) {
      const problem = portNameProblem(pn);
      if (problem) errs.push(invalidValue(`${pp}.name`, pn, problem));
      if (portNames.has(pn)) errs.push(duplicate(`${pp}.name`, pn));
      portNames.add(pn);
    }
  });
  (asArray(ctr.env) ?? []).forEach((e, i) => {
    const n = asString(asRecord(e)?.name);
    if (!n) errs.push(required(`${path}.env[${i}].name`));
    else if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(n)) {
      errs.push(
        invalidValue(
          `${path}.env[${i}].name`,
          n,
          "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
        ),
      );
    }
  });
}

/** Checks a PodSpec at `path` (e.g. `spec` or `spec.template.spec`). */
export function validatePodSpec(spec: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const s = asRecord(spec);
  if (!s) return [required(path)];
  const containers = asArray(s.containers);
  if (!containers || containers.length === 0) errs.push(required(`${path}.containers`));
  const names = new Set<string>();
  for (const [i, c] of (containers ?? []).entries())
    validateContainer(c, `${path}.containers[${i}]`, names, errs);
  for (const [i, c] of (asArray(s.initContainers) ?? []).entries()) {
    validateContainer(c, `${path}.initContainers[${i}]`, names, errs);
  }
  if (s.restartPolicy !== undefined && !RESTART.includes(String(s.restartPolicy))) {
    errs.push(notSupported(`${path}.restartPolicy`, s.restartPolicy, RESTART));
  }
  const volumes = new Set<string>();
  (asArray(s.volumes) ?? []).forEach((v, i) => {
    const n = asString(asRecord(v)?.name);
    if (!n) errs.push(required(`${path}.volumes[${i}].name`));
    else if (volumes.has(n)) errs.push(duplicate(`${path}.volumes[${i}].name`, n));
    else volumes.add(n);
  });
  const grace = s.terminationGracePeriodSeconds;
  if (grace !== undefined && (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0)) {
    errs.push(
      invalidValue(`${path}.terminationGracePeriodSeconds`, grace, 'must be greater than or equal to 0'),
    );
  }
  return errs;
}
