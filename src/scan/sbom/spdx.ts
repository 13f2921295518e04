// SPDX 2.3 JSON for one image. The document DESCRIBES the image package, which CONTAINS the
// operating system and every detected package. Licenses a package declares become
// licenseDeclared; text that is no SPDX expression is carried as a LicenseRef with its text in
// hasExtractedLicensingInfos. Nothing is concluded (licenseConcluded stays NOASSERTION): wharf
// reads package metadata, it does not audit the files.
import { allOf, declaredLicenses, isLicenseExpression } from './licenses.js';
import {
  digestChecksum,
  documentUuid,
  identifierSafe,
  imagePurl,
  sbomPackages,
  shortHash,
  type SbomImage,
  type SbomPackage,
} from './identifiers.js';
import type { Inventory, OsRelease } from '../types.js';

export const SPDX_MEDIA_TYPE = 'application/spdx+json';

const NOASSERTION = 'NOASSERTION';
const DOCUMENT_ID = 'SPDXRef-DOCUMENT';
const IMAGE_ID = 'SPDXRef-Image';

export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: typeof DOCUMENT_ID;
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  relationships: SpdxRelationship[];
  hasExtractedLicensingInfos?: { licenseId: string; name: string; extractedText: string }[];
}

export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  downloadLocation: string;
  filesAnalyzed: false;
  primaryPackagePurpose: 'CONTAINER' | 'OPERATING_SYSTEM' | 'LIBRARY';
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: string;
  checksums?: { algorithm: 'SHA256' | 'SHA512'; checksumValue: string }[];
  sourceInfo?: string;
  description?: string;
  externalRefs?: { referenceCategory: 'PACKAGE-MANAGER'; referenceType: 'purl'; referenceLocator: string }[];
}

export interface SpdxRelationship {
  spdxElementId: string;
  relationshipType: 'DESCRIBES' | 'CONTAINS';
  relatedSpdxElement: string;
}

export function toSpdx(inventory: Inventory, image: SbomImage): SpdxDocument {
  const extractedLicenses = new Map<string, string>();
  const contained = sbomPackages(inventory).map((entry) => packageOf(entry, extractedLicenses));
  if (inventory.os) contained.unshift(operatingSystemOf(inventory.os));
  const document: SpdxDocument = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: DOCUMENT_ID,
    name: `${image.repository}@${image.digest}`,
    documentNamespace: `urn:uuid:${documentUuid('spdx', image.digest)}`,
    creationInfo: { created: spdxTimestamp(image.createdAt), creators: ['Tool: wharf'] },
    packages: [imagePackage(image), ...contained],
    relationships: [
      { spdxElementId: DOCUMENT_ID, relationshipType: 'DESCRIBES', relatedSpdxElement: IMAGE_ID },
      ...contained.map((pkg): SpdxRelationship => ({
        spdxElementId: IMAGE_ID,
        relationshipType: 'CONTAINS',
        relatedSpdxElement: pkg.SPDXID,
      })),
    ],
  };
  if (extractedLicenses.size > 0) {
    document.hasExtractedLicensingInfos = [...extractedLicenses].map(([licenseId, text]) => ({
      licenseId,
      name: text,
      extractedText: text,
    }));
  }
  return document;
}

function imagePackage(image: SbomImage): SpdxPackage {
  const checksum = digestChecksum(image.digest);
  const pkg = unassertedPackage(IMAGE_ID, image.repository, 'CONTAINER');
  pkg.versionInfo = image.digest;
  if (checksum) {
    pkg.checksums = [{ algorithm: checksum.algorithm === 'sha256' ? 'SHA256' : 'SHA512', checksumValue: checksum.hex }];
  }
  pkg.externalRefs = [purlRef(imagePurl(image))];
  return pkg;
}

function operatingSystemOf(os: OsRelease): SpdxPackage {
  const pkg = unassertedPackage(`SPDXRef-OperatingSystem-${identifierSafe(os.id)}`, os.id, 'OPERATING_SYSTEM');
  if (os.versionId) pkg.versionInfo = os.versionId;
  if (os.prettyName) pkg.description = os.prettyName;
  return pkg;
}

function packageOf({ pkg, key }: SbomPackage, extractedLicenses: Map<string, string>): SpdxPackage {
  const spdxPackage = unassertedPackage(`SPDXRef-Package-${key}`, pkg.name, 'LIBRARY');
  spdxPackage.versionInfo = pkg.version;
  spdxPackage.sourceInfo = `read from ${pkg.path}`;
  spdxPackage.externalRefs = [purlRef(pkg.purl)];
  const licenses = declaredLicenses(pkg);
  if (licenses.length > 0) {
    spdxPackage.licenseDeclared = allOf(licenses.map((text) => asExpression(text, extractedLicenses)));
  }
  return spdxPackage;
}

function unassertedPackage(id: string, name: string, purpose: SpdxPackage['primaryPackagePurpose']): SpdxPackage {
  return {
    SPDXID: id,
    name,
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    primaryPackagePurpose: purpose,
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
  };
}

function purlRef(purl: string): NonNullable<SpdxPackage['externalRefs']>[number] {
  return { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl };
}

/** The text itself when it is an SPDX expression, else a LicenseRef recorded with its text. */
function asExpression(text: string, extractedLicenses: Map<string, string>): string {
  if (isLicenseExpression(text)) return text;
  // The hash keeps two texts that sanitise alike (`GPL v2`, `GPL_v2`) apart.
  const licenseId = `LicenseRef-${identifierSafe(text).slice(0, 64)}-${shortHash(text, 8)}`;
  extractedLicenses.set(licenseId, text);
  return licenseId;
}

/** SPDX wants `YYYY-MM-DDThh:mm:ssZ`, without fractions of a second. */
function spdxTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
