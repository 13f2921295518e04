// Building an application-dependency package: the ecosystem fixes the purl type, so each detector
// only says what it read.
import type { InventoryPackage } from '../types.js';
import { formatPurl } from './purl.js';

/** OSV ecosystem -> purl type of the language ecosystems the detectors read. */
const PURL_TYPES = {
  npm: 'npm',
  PyPI: 'pypi',
  Go: 'golang',
  Maven: 'maven',
  'crates.io': 'cargo',
  RubyGems: 'gem',
  Packagist: 'composer',
} as const;

export type LanguageEcosystem = keyof typeof PURL_TYPES;

export interface LanguagePackageFields {
  ecosystem: LanguageEcosystem;
  name: string;
  version: string;
  path: string;
  /** purl namespace and name when they are not simply the package name split at its last '/'. */
  purlNamespace?: string;
  purlName?: string;
  licenses?: string[];
}

export function languagePackage(fields: LanguagePackageFields): InventoryPackage {
  const { ecosystem, name, version, path } = fields;
  const slash = name.lastIndexOf('/');
  const purl = formatPurl({
    type: PURL_TYPES[ecosystem],
    namespace: fields.purlNamespace ?? (slash > 0 ? name.slice(0, slash) : undefined),
    name: fields.purlName ?? (slash > 0 ? name.slice(slash + 1) : name),
    version,
  });
  const pkg: InventoryPackage = { name, version, ecosystem, kind: 'language', path, purl };
  if (fields.licenses && fields.licenses.length > 0) pkg.licenses = fields.licenses;
  return pkg;
}
