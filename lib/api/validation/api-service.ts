/** apiregistration.k8s.io/v1 APIService validation (kube-aggregator pkg/apis/apiregistration/validation). */
import { type FieldError, invalidValue, required } from './field-errors.js';
import { asRecord, asString } from './json.js';
import { dns1123LabelProblem, dns1123SubdomainProblem } from './names.js';

/** Problems of an APIService: its name is `<version>.<group>`, priorities in range, a service or local. */
export function validateApiService(obj: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const spec = asRecord(obj.spec) ?? {};
  const name = asString(asRecord(obj.metadata)?.name) ?? '';
  const group = asString(spec.group) ?? '';
  const version = asString(spec.version) ?? '';
  const wanted = `${version}.${group}`;
  if (name !== wanted)
    errs.push(
      invalidValue(
        'metadata.name',
        name,
        `must be \`spec.version+"."+spec.group\`: ${JSON.stringify(wanted)}`,
      ),
    );
  if (version === '') errs.push(required('spec.version'));
  else {
    const p = dns1123LabelProblem(version);
    if (p) errs.push(invalidValue('spec.version', version, p));
  }
  if (group === '' && version !== 'v1')
    errs.push(required('spec.group', 'only v1 may have an empty group and it better be legacy kube'));
  else if (group !== '') {
    const p = dns1123SubdomainProblem(group);
    if (p) errs.push(invalidValue('spec.group', group, p));
  }
  const gpm = spec.groupPriorityMinimum;
  if (typeof gpm !== 'number' || !Number.isInteger(gpm) || gpm <= 0 || gpm > 20000)
    errs.push(invalidValue('spec.groupPriorityMinimum', gpm ?? 0, 'must be positive and less than 20000'));
  const vp = spec.versionPriority;
  if (typeof vp !== 'number' || !Number.isInteger(vp) || vp <= 0 || vp > 1000)
    errs.push(invalidValue('spec.versionPriority', vp ?? 0, 'must be positive and less than 1000'));
  const service = asRecord(spec.service);
  const caBundle = asString(spec.caBundle) ?? '';
  if (!service) {
    if (caBundle !== '')
      errs.push(invalidValue('spec.caBundle', '<ca bundle>', 'local APIServices may not have a caBundle'));
    if (spec.insecureSkipTLSVerify === true)
      errs.push(
        invalidValue(
          'spec.insecureSkipTLSVerify',
          true,
          'local APIServices may not have insecureSkipTLSVerify',
        ),
      );
  } else {
    if (!asString(service.namespace)) errs.push(required('spec.service.namespace'));
    if (!asString(service.name)) errs.push(required('spec.service.name'));
    const port = service.port;
    if (
      port !== undefined &&
      (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    )
      errs.push(invalidValue('spec.service.port', port, 'must be between 1 and 65535, inclusive'));
  }
  if (spec.insecureSkipTLSVerify === true && caBundle !== '')
    errs.push(invalidValue('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present'));
  return errs;
}
