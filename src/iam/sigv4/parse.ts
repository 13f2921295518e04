// The two places a SigV4 request states who signed it, when and for what:
//   Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/ecr/aws4_request,
//                  SignedHeaders=host;x-amz-date, Signature=<64 hex>
//   ?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F...&X-Amz-Date=...&X-Amz-Expires=60
//    &X-Amz-SignedHeaders=host&X-Amz-Signature=<64 hex>            (presigned URL)
// Anything malformed here is an IncompleteSignature failure.
import { ALGORITHM } from './canonical.js';
import { sigV4Error, type SigV4Dialect } from './errors.js';

export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

export interface AuthorizationHeader extends CredentialScope {
  signedHeaders: string[];
  signature: string;
}

const COMPONENTS = ['Credential', 'SignedHeaders', 'Signature'] as const;
type Component = (typeof COMPONENTS)[number];
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Client-supplied text quoted in an error message, kept short. */
export function quote(value: string): string {
  return `'${value.length > 64 ? `${value.slice(0, 64)}...` : value}'`;
}

export function parseAuthorizationHeader(value: string, dialect: SigV4Dialect = 'json'): AuthorizationHeader {
  const incomplete = (message: string) => sigV4Error(dialect, 'incomplete', message);
  const trimmed = value.trim();
  const space = trimmed.search(/\s/);
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw incomplete(`Unsupported Authorization algorithm ${quote(algorithm)}; this endpoint accepts only '${ALGORITHM}'.`);
  }
  const fields = new Map<Component, string>();
  for (const part of trimmed.slice(algorithm.length).split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const name = (eq < 0 ? item : item.slice(0, eq)).trim();
    if (!(COMPONENTS as readonly string[]).includes(name)) {
      throw incomplete(`Authorization header has an unknown component ${quote(name)}; expected Credential, SignedHeaders and Signature.`);
    }
    if (fields.has(name as Component)) throw incomplete(`Authorization header has more than one '${name}' component.`);
    fields.set(name as Component, eq < 0 ? '' : item.slice(eq + 1).trim());
  }
  const missing = COMPONENTS.filter((name) => !fields.get(name));
  if (missing.length > 0) {
    throw incomplete(missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '));
  }
  return {
    ...parseCredential(fields.get('Credential')!, dialect),
    signedHeaders: parseSignedHeaders(fields.get('SignedHeaders')!, dialect),
    signature: fields.get('Signature')!,
  };
}

export function parseCredential(value: string, dialect: SigV4Dialect): CredentialScope {
  const parts = value.split('/');
  const [accessKeyId, date, region, service, terminator] = parts;
  if (parts.length !== 5 || parts.some((part) => part === '')) {
    throw sigV4Error(
      dialect,
      'incomplete',
      `Credential should have the form <access key id>/<YYYYMMDD>/<region>/<service>/aws4_request, not ${quote(value)}.`,
    );
  }
  if (!/^\d{8}$/.test(date!)) {
    throw sigV4Error(dialect, 'incomplete', `The date in the Credential scope should be YYYYMMDD, not ${quote(date!)}.`);
  }
  if (terminator !== 'aws4_request') {
    throw sigV4Error(dialect, 'incomplete', `Credential should be scoped with a valid terminator: 'aws4_request', not ${quote(terminator!)}.`);
  }
  return { accessKeyId: accessKeyId!, date: date!, region: region!, service: service! };
}

export function parseSignedHeaders(value: string, dialect: SigV4Dialect): string[] {
  const names = value.split(';');
  const bad = names.find((name) => !HEADER_NAME.test(name));
  if (bad !== undefined) {
    throw sigV4Error(dialect, 'incomplete', `SignedHeaders should list lower-case header names separated by ';', got ${quote(value)}.`);
  }
  if (new Set(names).size !== names.length) {
    throw sigV4Error(dialect, 'incomplete', `SignedHeaders lists a header more than once: ${quote(value)}.`);
  }
  return names;
}

/** `20261125T120000Z` to a Date, or null when it is not a valid ISO 8601 basic-format UTC time. */
export function parseAmzDate(value: string): Date | null {
  const match = AMZ_DATE.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return formatAmzDate(date) === value ? date : null;
}

export function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}
