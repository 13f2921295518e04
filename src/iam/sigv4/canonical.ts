// The SigV4 canonical request, built from a request as the server received it (non-S3 rules):
//
//   METHOD            as received ("POST")
//   CanonicalURI      raw path, dot segments and empty segments removed, each segment URI-encoded
//                     once more ("/a%20b/" -> "/a%2520b/"): every service but S3 double-encodes
//   CanonicalQuery    each name and value percent-decoded, re-encoded (RFC 3986 unreserved kept,
//                     everything else %XX upper-case), sorted by name then value, "a=1&b=2"
//   CanonicalHeaders  "name:value\n" per signed header, in SignedHeaders order; values trimmed,
//                     runs of spaces/tabs collapsed, repeated headers joined with ","
//   SignedHeaders     "host;x-amz-date"
//   PayloadHash       x-amz-content-sha256 when sent, else hex SHA-256 of the body (or UNSIGNED-PAYLOAD)
//
// and the string to sign: "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256(canonical request)>".
import { createHash } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';

/** Percent-encoding of every byte value: RFC 3986 unreserved bytes stay, the rest become %XX. */
const ENCODED_BYTE: readonly string[] = Array.from({ length: 256 }, (_, byte) => {
  const char = String.fromCharCode(byte);
  return /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
});
const ALL_UNRESERVED = /^[A-Za-z0-9\-._~]*$/;
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

function encodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += ENCODED_BYTE[byte];
  return out;
}

/** SigV4's UriEncode of a string's UTF-8 bytes. */
export function uriEncode(value: string): string {
  return ALL_UNRESERVED.test(value) ? value : encodeBytes(Buffer.from(value, 'utf8'));
}

/**
 * Percent-decoding that cannot fail: a valid `%XX` becomes its byte, anything else (a stray `%`,
 * a raw non-ASCII character) its own UTF-8 bytes. `+` stays `+`: SigV4 clients encode spaces as %20.
 */
export function percentDecode(component: string): Buffer {
  if (!component.includes('%')) return Buffer.from(component, 'utf8');
  const parts: Buffer[] = [];
  let literalStart = 0;
  for (let i = 0; i < component.length; i++) {
    if (component[i] !== '%' || !HEX_PAIR.test(component.slice(i + 1, i + 3))) continue;
    if (i > literalStart) parts.push(Buffer.from(component.slice(literalStart, i), 'utf8'));
    parts.push(Buffer.of(parseInt(component.slice(i + 1, i + 3), 16)));
    i += 2;
    literalStart = i + 1;
  }
  if (literalStart < component.length) parts.push(Buffer.from(component.slice(literalStart), 'utf8'));
  return Buffer.concat(parts);
}

/** One query component in canonical form, however the client chose to encode it. */
function canonicalComponent(raw: string): string {
  return ALL_UNRESERVED.test(raw) ? raw : encodeBytes(percentDecode(raw));
}

export function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const leading = rawPath.startsWith('/') ? '/' : '';
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return leading + segments.map(uriEncode).join('/') + trailing;
}

/** Name/value pairs of a raw query string, each still raw (percent-encoded as sent). */
export function splitQuery(rawQuery: string): Array<[name: string, value: string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    pairs.push(eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)]);
  }
  return pairs;
}

/** Sorted by encoded name, then encoded value; `exclude` (already canonical) drops one name. */
export function canonicalQuery(rawQuery: string, exclude?: string): string {
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of splitQuery(rawQuery)) {
    const canonicalName = canonicalComponent(name);
    if (canonicalName !== exclude) pairs.push([canonicalName, canonicalComponent(value)]);
  }
  pairs.sort(([nameA, valueA], [nameB, valueB]) =>
    nameA < nameB ? -1 : nameA > nameB ? 1 : valueA < valueB ? -1 : valueA > valueB ? 1 : 0,
  );
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function canonicalHeaderValue(value: string): string {
  return value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

export type HeaderValue = string | string[] | undefined;

/** Absent signed headers canonicalise as empty, so they simply fail to match a real signature. */
export function canonicalHeaders(headers: ReadonlyMap<string, HeaderValue>, signedHeaders: readonly string[]): string {
  let out = '';
  for (const name of signedHeaders) {
    const value = headers.get(name);
    const canonical = Array.isArray(value)
      ? value.map(canonicalHeaderValue).join(',')
      : canonicalHeaderValue(value ?? '');
    out += `${name}:${canonical}\n`;
  }
  return out;
}

export interface CanonicalParts {
  method: string;
  uri: string;
  query: string;
  headers: string;
  signedHeaders: readonly string[];
  payloadHash: string;
}

export function canonicalRequest(parts: CanonicalParts): string {
  return [parts.method, parts.uri, parts.query, parts.headers, parts.signedHeaders.join(';'), parts.payloadHash].join('\n');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
}
