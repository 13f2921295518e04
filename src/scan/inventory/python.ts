// Installed Python distributions: `<name>-<version>.dist-info/METADATA` (wheels, modern pip) and
// `.egg-info/PKG-INFO` or a bare `.egg-info` file (setuptools). All three are core-metadata header
// blocks; only the headers before the first blank line (the description follows) are read.
import type { FileFindings, InventoryPackage, LayerFile } from '../types.js';
import type { PackageDetector } from './detector.js';
import { languagePackage } from './language-package.js';
import { headerFields, paragraphs } from './text.js';

const METADATA_FILE = /(?:^|\/)[^/]+\.(?:dist-info\/METADATA|egg-info\/PKG-INFO|egg-info)$/;

/** PEP 503: lower case, runs of `-`, `_` and `.` become one `-`. */
export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** `License-Expression` (PEP 639) when present, else a one-line `License` that says something. */
function licenseOf(fields: Map<string, string>): string[] | undefined {
  const license = fields.get('license-expression') ?? fields.get('license');
  return license && !license.includes('\n') && license !== 'UNKNOWN' ? [license] : undefined;
}

function parsePythonMetadata(text: string, path: string): InventoryPackage[] {
  const headers = paragraphs(text)[0];
  if (!headers) return [];
  const fields = headerFields(headers, 'rfc822');
  const name = fields.get('name');
  const version = fields.get('version');
  if (!name || !version) return [];
  return [
    languagePackage({
      ecosystem: 'PyPI',
      name,
      version,
      path,
      purlName: normalizePythonName(name),
      licenses: licenseOf(fields),
    }),
  ];
}

export const pythonDetector: PackageDetector = {
  wants: (file: LayerFile) => METADATA_FILE.test(file.path),
  analyze: (file: LayerFile, content: Buffer): FileFindings => ({
    packages: parsePythonMetadata(content.toString('utf8'), file.path),
  }),
};
