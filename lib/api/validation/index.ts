/** Validation of API objects: field errors in Kubernetes' shape, name rules, per-kind checks. */
export {
  duplicate,
  type FieldError,
  forbidden,
  invalidValue,
  notSupported,
  required,
} from './field-errors.js';
export { asArray, asRecord, asString, at } from './json.js';
export { type KindValidator, validateObject, validateObjectUpdate } from './kinds.js';
export { validateLabelSelector } from './label-selector.js';
export {
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  labelValueProblem,
  portNameProblem,
  qualifiedNameProblem,
} from './names.js';
export { type NameRule, type ObjectMetaRules, validateObjectMeta } from './object-meta.js';
export { checkPort, checkProtocol, isPort, validatePodSpec } from './pod.js';
export { validatePriorityClassUpdate } from './priority-class.js';
