// CycloneDX 1.5 JSON for one image: the image is the BOM's subject (metadata.component, type
// container), its operating system and packages are the components. The path each package was
// read from is kept as a property, since the same library often sits at several paths.
import { allOf, declaredLicenses, isLicenseExpression } from './licenses.js';
import {
  digestChecksum,
  documentUuid,
  imagePurl,
  sbomPackages,
  type SbomImage,
  type SbomPackage,
} from './identifiers.js';
import type { Inventory, OsRelease } from '../types.js';

export const CYCLONEDX_MEDIA_TYPE = 'application/vnd.cyclonedx+json';

export interface CycloneDxDocument {
  bomFormat: 'CycloneDX';
  specVersion: '1.5';
  serialNumber: string;
  version: 1;
  metadata: {
    timestamp: string;
    tools: { components: { type: 'application'; name: string }[] };
    component: CycloneDxComponent;
  };
  components: CycloneDxComponent[];
}

export interface CycloneDxComponent {
  type: 'container' | 'operating-system' | 'library';
  'bom-ref': string;
  name: string;
  version?: string;
  description?: string;
  purl?: string;
  hashes?: { alg: 'SHA-256' | 'SHA-512'; content: string }[];
  licenses?: CycloneDxLicense[];
  properties?: { name: string; value: string }[];
}

/** Either one SPDX expression, or a list of licenses known only by name. */
export type CycloneDxLicense = { expression: string } | { license: { name: string } };

const PROPERTY = {
  path: 'wharf:package:path',
  sourceName: 'wharf:package:source-name',
  sourceVersion: 'wharf:package:source-version',
  tag: 'wharf:image:tag',
} as const;

export function toCycloneDx(inventory: Inventory, image: SbomImage): CycloneDxDocument {
  const components = sbomPackages(inventory).map(packageComponent);
  if (inventory.os) components.unshift(operatingSystemComponent(inventory.os));
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${documentUuid('cyclonedx', image.digest)}`,
    version: 1,
    metadata: {
      timestamp: image.createdAt.toISOString(),
      tools: { components: [{ type: 'application', name: 'wharf' }] },
      component: imageComponent(image),
    },
    components,
  };
}

function imageComponent(image: SbomImage): CycloneDxComponent {
  const checksum = digestChecksum(image.digest);
  const component: CycloneDxComponent = {
    type: 'container',
    'bom-ref': `image:${image.digest}`,
    name: image.repository,
    version: image.digest,
    purl: imagePurl(image),
  };
  if (checksum) {
    component.hashes = [{ alg: checksum.algorithm === 'sha256' ? 'SHA-256' : 'SHA-512', content: checksum.hex }];
  }
  if (image.tags.length > 0) {
    component.properties = [...image.tags].sort().map((tag) => ({ name: PROPERTY.tag, value: tag }));
  }
  return component;
}

function operatingSystemComponent(os: OsRelease): CycloneDxComponent {
  const component: CycloneDxComponent = {
    type: 'operating-system',
    'bom-ref': `os:${os.id}${os.versionId ? `-${os.versionId}` : ''}`,
    name: os.id,
  };
  if (os.versionId) component.version = os.versionId;
  if (os.prettyName) component.description = os.prettyName;
  return component;
}

function packageComponent({ pkg, key }: SbomPackage): CycloneDxComponent {
  const component: CycloneDxComponent = {
    type: 'library',
    'bom-ref': `package:${key}`,
    name: pkg.name,
    version: pkg.version,
    purl: pkg.purl,
  };
  const declared = declaredLicenses(pkg);
  if (declared.length > 0) component.licenses = licenses(declared);
  component.properties = [{ name: PROPERTY.path, value: pkg.path }];
  if (pkg.sourceName) component.properties.push({ name: PROPERTY.sourceName, value: pkg.sourceName });
  if (pkg.sourceVersion) component.properties.push({ name: PROPERTY.sourceVersion, value: pkg.sourceVersion });
  return component;
}

// CycloneDX takes either a single expression or a list of licenses; a list entry may carry an
// SPDX `id` only from the SPDX list (the schema enumerates it), so names are used instead.
function licenses(declared: string[]): CycloneDxLicense[] {
  if (declared.every(isLicenseExpression)) return [{ expression: allOf(declared) }];
  return declared.map((name) => ({ license: { name } }));
}
