// Package URLs (purl, https://github.com/package-url/purl-spec): one string that names a package
// across tools. Only the subset the detectors produce is handled: type, optional namespace, name,
// version and qualifiers; no subpath. Formatting and parsing are inverses, which is what lets
// buildInventory re-target an OS package's purl once the distribution is known.

export interface PackageUrl {
  type: string;
  /** Slash-separated; each segment is encoded on its own (e.g. a Go module path's directories). */
  namespace?: string;
  name: string;
  version?: string;
  qualifiers?: Record<string, string | undefined>;
}

/** Percent-encodes like encodeURIComponent but keeps ':' readable, as the purl spec allows (epochs). */
function encodeComponent(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':');
}

export function formatPurl(purl: PackageUrl): string {
  let text = `pkg:${purl.type.toLowerCase()}/`;
  if (purl.namespace) {
    text += purl.namespace.split('/').filter(Boolean).map(encodeComponent).join('/') + '/';
  }
  text += encodeComponent(purl.name);
  if (purl.version) text += `@${encodeComponent(purl.version)}`;
  const qualifiers = Object.entries(purl.qualifiers ?? {})
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, value]) => [key.toLowerCase(), value] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (qualifiers.length > 0) {
    text += '?' + qualifiers.map(([key, value]) => `${key}=${encodeComponent(value)}`).join('&');
  }
  return text;
}

/** Parses a purl this module formatted (no subpath); undefined for anything else. */
export function parsePurl(text: string): PackageUrl | undefined {
  try {
    return parseWellFormedPurl(text);
  } catch {
    return undefined; // a stray '%' that decodeURIComponent rejects
  }
}

function parseWellFormedPurl(text: string): PackageUrl | undefined {
  const match = /^pkg:([a-z0-9.+-]+)\/([^?#]+?)(?:@([^?#@]*))?(?:\?([^#]*))?$/.exec(text);
  if (!match) return undefined;
  const [, type, path, version, query] = match;
  const segments = path!.split('/').map((segment) => decodeURIComponent(segment));
  const name = segments.pop()!;
  const purl: PackageUrl = { type: type!, name };
  if (segments.length > 0) purl.namespace = segments.join('/');
  if (version !== undefined) purl.version = decodeURIComponent(version);
  if (query) {
    purl.qualifiers = {};
    for (const pair of query.split('&')) {
      const eq = pair.indexOf('=');
      if (eq > 0) purl.qualifiers[pair.slice(0, eq)] = decodeURIComponent(pair.slice(eq + 1));
    }
  }
  return purl;
}
