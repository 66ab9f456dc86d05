/**
 * Name rules of Kubernetes (apimachinery pkg/util/validation/validation.go): DNS-1123 labels
 * (RFC 1123 §2.1 host name labels, lower case, ≤ 63), DNS-1123 subdomains (≤ 253) and
 * IANA service names for named ports (RFC 6335 §5.1).
 */

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const LABEL_RE = new RegExp(`^${LABEL}$`);
const SUBDOMAIN_RE = new RegExp(`^${LABEL}(\\.${LABEL})*$`);

/** Why `v` is not a DNS-1123 label, or undefined. */
export function dns1123LabelProblem(v: string): string | undefined {
  if (v.length > 63) return 'must be no more than 63 characters';
  if (!LABEL_RE.test(v)) {
    return `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${LABEL}')`;
  }
  return undefined;
}

/** Why `v` is not a DNS-1123 subdomain, or undefined. */
export function dns1123SubdomainProblem(v: string): string | undefined {
  if (v.length > 253) return 'must be no more than 253 characters';
  if (!SUBDOMAIN_RE.test(v)) {
    return `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${LABEL}(\\.${LABEL})*')`;
  }
  return undefined;
}

/** Why `v` is not an IANA service name (named container/service ports), or undefined. */
export function portNameProblem(v: string): string | undefined {
  if (v.length > 15) return 'must be no more than 15 characters';
  if (!/^[-a-z0-9]+$/.test(v))
    return 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)';
  if (!/[a-z]/.test(v)) return 'must contain at least one letter (a-z)';
  if (v.startsWith('-') || v.endsWith('-') || v.includes('--')) {
    return 'must not begin or end with a hyphen, or contain consecutive hyphens';
  }
  return undefined;
}

const QUALIFIED_NAME_RE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;

/** Why `key` is not a label/annotation key (`[prefix/]name`), or undefined. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (slash !== -1) {
    const prefix = key.slice(0, slash);
    const p = dns1123SubdomainProblem(prefix);
    if (p) return `prefix part ${p}`;
  }
  if (name.length === 0 || name.length > 63)
    return 'name part must be non-empty and no more than 63 characters';
  if (!QUALIFIED_NAME_RE.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

/** Why `v` is not a label value, or undefined. */
export function labelValueProblem(v: string): string | undefined {
  if (v.length > 63) return 'must be no more than 63 characters';
  if (v !== '' && !QUALIFIED_NAME_RE.test(v)) {
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}
