// Shape checks of the CycloneDX 1.5 and SPDX 2.3 documents for a small inventory: identifiers
// are valid and unique, every package appears exactly once (the same library at two paths
// twice, a package reported twice once), licenses are carried as each format allows, and the
// output depends only on the input, not on its order or on the clock.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CYCLONEDX_MEDIA_TYPE,
  SPDX_MEDIA_TYPE,
  toCycloneDx,
  toSpdx,
  type CycloneDxDocument,
  type SbomImage,
  type SpdxDocument,
} from '../../src/scan/sbom/index.js';
import { isLicenseExpression } from '../../src/scan/sbom/licenses.js';
import type { Inventory, InventoryPackage } from '../../src/scan/types.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const IMAGE: SbomImage = {
  repository: 'team/app',
  digest: DIGEST,
  tags: ['latest', '1.0'],
  createdAt: new Date('2024-05-01T12:34:56.789Z'),
};

const BASH: InventoryPackage = {
  name: 'bash',
  version: '5.2.15-2+b2',
  ecosystem: 'Debian',
  kind: 'os',
  sourceName: 'bash',
  path: 'var/lib/dpkg/status',
  purl: 'pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12',
  arch: 'amd64',
  licenses: ['GPL-3.0-or-later', 'BSD-2-Clause OR MIT'],
};
const LIBSSL: InventoryPackage = {
  name: 'libssl3',
  version: '3.0.11-1~deb12u2',
  ecosystem: 'Debian',
  kind: 'os',
  sourceName: 'openssl',
  sourceVersion: '3.0.11-1~deb12u2',
  path: 'var/lib/dpkg/status',
  purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12',
  licenses: ['Apache-2.0', 'GPL version 2 or later'],
};
const LODASH: InventoryPackage = {
  name: 'lodash',
  version: '4.17.21',
  ecosystem: 'npm',
  kind: 'language',
  path: 'app/node_modules/lodash/package.json',
  purl: 'pkg:npm/lodash@4.17.21',
  licenses: ['MIT'],
};
/** The same name and version vendored at a second path: a package of its own. */
const LODASH_VENDORED: InventoryPackage = {
  ...LODASH,
  path: 'app/node_modules/other/node_modules/lodash/package.json',
  licenses: undefined,
};
const REQUESTS: InventoryPackage = {
  name: 'requests',
  version: '2.31.0',
  ecosystem: 'PyPI',
  kind: 'language',
  path: 'usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA',
  purl: 'pkg:pypi/requests@2.31.0',
  licenses: [' Apache-2.0 OR MIT ', ''],
};
const DISTINCT_PACKAGES = [BASH, LIBSSL, LODASH, LODASH_VENDORED, REQUESTS];

const INVENTORY: Inventory = {
  os: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)', idLike: [] },
  // LODASH twice: a detector reporting one package twice must not list it twice.
  packages: [REQUESTS, LODASH, BASH, LODASH_VENDORED, LIBSSL, { ...LODASH }],
};
const SHUFFLED: Inventory = { ...INVENTORY, packages: [...INVENTORY.packages].reverse() };

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SPDX_ID = /^SPDXRef-[A-Za-z0-9.-]+$/;

describe('CycloneDX export', () => {
  const bom: CycloneDxDocument = toCycloneDx(INVENTORY, IMAGE);
  const libraries = bom.components.filter((component) => component.type === 'library');
  const pathOf = (component: (typeof bom.components)[number]): string | undefined =>
    component.properties?.find((property) => property.name === 'wharf:package:path')?.value;

  it('is a CycloneDX 1.5 BOM with a serial number derived from the digest', () => {
    assert.equal(bom.bomFormat, 'CycloneDX');
    assert.equal(bom.specVersion, '1.5');
    assert.equal(bom.version, 1);
    assert.match(bom.serialNumber, /^urn:uuid:/);
    assert.match(bom.serialNumber.slice('urn:uuid:'.length), UUID_V5);
    assert.equal(bom.metadata.timestamp, '2024-05-01T12:34:56.789Z');
    assert.deepEqual(bom.metadata.tools.components, [{ type: 'application', name: 'wharf' }]);
  });

  it('describes the image as a container component', () => {
    const image = bom.metadata.component;
    assert.equal(image.type, 'container');
    assert.equal(image.name, 'team/app');
    assert.equal(image.version, DIGEST);
    assert.equal(image.purl, `pkg:oci/app@${DIGEST}`);
    assert.deepEqual(image.hashes, [{ alg: 'SHA-256', content: 'ab'.repeat(32) }]);
    assert.deepEqual(image.properties, [
      { name: 'wharf:image:tag', value: '1.0' },
      { name: 'wharf:image:tag', value: 'latest' },
    ]);
  });

  it('lists the operating system and every package exactly once', () => {
    const os = bom.components.filter((component) => component.type === 'operating-system');
    assert.equal(os.length, 1);
    assert.equal(os[0]!.name, 'debian');
    assert.equal(os[0]!.version, '12');
    assert.equal(os[0]!.description, 'Debian GNU/Linux 12 (bookworm)');
    assert.equal(bom.components.length, 1 + DISTINCT_PACKAGES.length);
    for (const pkg of DISTINCT_PACKAGES) {
      const found = libraries.filter((component) => component.purl === pkg.purl && pathOf(component) === pkg.path);
      assert.equal(found.length, 1, `${pkg.name} at ${pkg.path}`);
      assert.equal(found[0]!.name, pkg.name);
      assert.equal(found[0]!.version, pkg.version);
    }
  });

  it('gives every component a unique bom-ref', () => {
    const refs = [bom.metadata.component, ...bom.components].map((component) => component['bom-ref']);
    assert.equal(new Set(refs).size, refs.length);
    assert.ok(refs.every((ref) => ref.length > 0));
  });

  it('carries licenses as one expression when they are SPDX expressions, else by name', () => {
    const licensesOf = (pkg: InventoryPackage): unknown =>
      libraries.find((component) => component.purl === pkg.purl && pathOf(component) === pkg.path)?.licenses;
    assert.deepEqual(licensesOf(BASH), [{ expression: 'GPL-3.0-or-later AND (BSD-2-Clause OR MIT)' }]);
    assert.deepEqual(licensesOf(LIBSSL), [
      { license: { name: 'Apache-2.0' } },
      { license: { name: 'GPL version 2 or later' } },
    ]);
    assert.deepEqual(licensesOf(LODASH), [{ expression: 'MIT' }]);
    assert.deepEqual(licensesOf(REQUESTS), [{ expression: 'Apache-2.0 OR MIT' }]);
    assert.equal(licensesOf(LODASH_VENDORED), undefined);
  });

  it('records the source package as properties', () => {
    const libssl = libraries.find((component) => component.name === 'libssl3')!;
    assert.deepEqual(libssl.properties, [
      { name: 'wharf:package:path', value: 'var/lib/dpkg/status' },
      { name: 'wharf:package:source-name', value: 'openssl' },
      { name: 'wharf:package:source-version', value: '3.0.11-1~deb12u2' },
    ]);
  });

  it('is deterministic and independent of the order of the inventory', () => {
    assert.equal(JSON.stringify(toCycloneDx(INVENTORY, IMAGE)), JSON.stringify(bom));
    assert.equal(JSON.stringify(toCycloneDx(SHUFFLED, IMAGE)), JSON.stringify(bom));
    const otherImage = toCycloneDx(INVENTORY, { ...IMAGE, digest: `sha256:${'cd'.repeat(32)}` });
    assert.notEqual(otherImage.serialNumber, bom.serialNumber);
  });

  it('describes an image without operating system or packages', () => {
    const empty = toCycloneDx({ packages: [] }, { ...IMAGE, tags: [] });
    assert.deepEqual(empty.components, []);
    assert.equal(empty.metadata.component.properties, undefined);
  });
});

describe('SPDX export', () => {
  const spdx: SpdxDocument = toSpdx(INVENTORY, IMAGE);
  const byId = new Map(spdx.packages.map((pkg) => [pkg.SPDXID, pkg]));
  const image = spdx.packages.find((pkg) => pkg.primaryPackagePurpose === 'CONTAINER')!;
  const libraries = spdx.packages.filter((pkg) => pkg.primaryPackagePurpose === 'LIBRARY');
  const find = (pkg: InventoryPackage): SpdxDocument['packages'] =>
    libraries.filter(
      (candidate) =>
        candidate.externalRefs?.[0]?.referenceLocator === pkg.purl && candidate.sourceInfo === `read from ${pkg.path}`,
    );

  it('is an SPDX 2.3 document with a namespace derived from the digest', () => {
    assert.equal(spdx.spdxVersion, 'SPDX-2.3');
    assert.equal(spdx.dataLicense, 'CC0-1.0');
    assert.equal(spdx.SPDXID, 'SPDXRef-DOCUMENT');
    assert.equal(spdx.name, `team/app@${DIGEST}`);
    assert.match(spdx.documentNamespace, /^urn:uuid:/);
    assert.match(spdx.documentNamespace.slice('urn:uuid:'.length), UUID_V5);
    assert.notEqual(spdx.documentNamespace, toCycloneDx(INVENTORY, IMAGE).serialNumber);
    assert.deepEqual(spdx.creationInfo, { created: '2024-05-01T12:34:56Z', creators: ['Tool: wharf'] });
  });

  it('gives every package a valid, unique SPDX identifier', () => {
    for (const pkg of spdx.packages) assert.match(pkg.SPDXID, SPDX_ID);
    assert.equal(byId.size, spdx.packages.length);
    const vendored = [...find(LODASH), ...find(LODASH_VENDORED)];
    assert.equal(vendored.length, 2);
    assert.notEqual(vendored[0]!.SPDXID, vendored[1]!.SPDXID);
  });

  it('lists the image, the operating system and every package exactly once', () => {
    assert.equal(image.name, 'team/app');
    assert.equal(image.versionInfo, DIGEST);
    assert.deepEqual(image.checksums, [{ algorithm: 'SHA256', checksumValue: 'ab'.repeat(32) }]);
    const os = spdx.packages.filter((pkg) => pkg.primaryPackagePurpose === 'OPERATING_SYSTEM');
    assert.deepEqual(
      os.map((pkg) => [pkg.name, pkg.versionInfo]),
      [['debian', '12']],
    );
    assert.equal(spdx.packages.length, 2 + DISTINCT_PACKAGES.length);
    for (const pkg of DISTINCT_PACKAGES) {
      const found = find(pkg);
      assert.equal(found.length, 1, `${pkg.name} at ${pkg.path}`);
      assert.equal(found[0]!.name, pkg.name);
      assert.equal(found[0]!.versionInfo, pkg.version);
      assert.deepEqual(found[0]!.externalRefs, [
        { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: pkg.purl },
      ]);
    }
  });

  it('asserts nothing it does not know', () => {
    for (const pkg of spdx.packages) {
      assert.equal(pkg.downloadLocation, 'NOASSERTION');
      assert.equal(pkg.licenseConcluded, 'NOASSERTION');
      assert.equal(pkg.copyrightText, 'NOASSERTION');
      assert.equal(pkg.filesAnalyzed, false);
    }
    assert.equal(image.licenseDeclared, 'NOASSERTION');
    assert.equal(find(LODASH_VENDORED)[0]!.licenseDeclared, 'NOASSERTION');
  });

  it('declares licenses as expressions, free text through declared LicenseRefs', () => {
    assert.equal(find(BASH)[0]!.licenseDeclared, 'GPL-3.0-or-later AND (BSD-2-Clause OR MIT)');
    assert.equal(find(LODASH)[0]!.licenseDeclared, 'MIT');
    assert.equal(find(REQUESTS)[0]!.licenseDeclared, 'Apache-2.0 OR MIT');
    const libssl = find(LIBSSL)[0]!.licenseDeclared;
    assert.match(libssl, /^Apache-2\.0 AND LicenseRef-[A-Za-z0-9.-]+$/);
    const licenseRef = libssl.split(' AND ')[1]!;
    assert.deepEqual(spdx.hasExtractedLicensingInfos, [
      { licenseId: licenseRef, name: 'GPL version 2 or later', extractedText: 'GPL version 2 or later' },
    ]);
    for (const pkg of spdx.packages) {
      assert.ok(isLicenseExpression(pkg.licenseDeclared) || pkg.licenseDeclared === 'NOASSERTION', pkg.SPDXID);
    }
  });

  it('relates the document to the image and the image to everything in it', () => {
    const describes = spdx.relationships.filter((relationship) => relationship.relationshipType === 'DESCRIBES');
    assert.deepEqual(describes, [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: image.SPDXID },
    ]);
    const contained = spdx.relationships
      .filter((relationship) => relationship.relationshipType === 'CONTAINS')
      .map((relationship) => {
        assert.equal(relationship.spdxElementId, image.SPDXID);
        return relationship.relatedSpdxElement;
      });
    const others = spdx.packages.filter((pkg) => pkg !== image).map((pkg) => pkg.SPDXID);
    assert.deepEqual([...contained].sort(), [...others].sort());
    assert.equal(spdx.relationships.length, 1 + others.length);
  });

  it('is deterministic and independent of the order of the inventory', () => {
    assert.equal(JSON.stringify(toSpdx(INVENTORY, IMAGE)), JSON.stringify(spdx));
    assert.equal(JSON.stringify(toSpdx(SHUFFLED, IMAGE)), JSON.stringify(spdx));
    const otherImage = toSpdx(INVENTORY, { ...IMAGE, digest: `sha256:${'cd'.repeat(32)}` });
    assert.notEqual(otherImage.documentNamespace, spdx.documentNamespace);
  });

  it('describes an image without operating system or packages', () => {
    const empty = toSpdx({ packages: [] }, IMAGE);
    assert.equal(empty.packages.length, 1);
    assert.equal(empty.relationships.length, 1);
    assert.equal(empty.hasExtractedLicensingInfos, undefined);
  });
});

describe('SBOM media types', () => {
  it('names the JSON media type of each format', () => {
    assert.equal(CYCLONEDX_MEDIA_TYPE, 'application/vnd.cyclonedx+json');
    assert.equal(SPDX_MEDIA_TYPE, 'application/spdx+json');
  });
});

describe('SPDX license expression syntax', () => {
  const VALID = [
    'MIT',
    'GPL-2.0+',
    'GPL-2.0-or-later WITH Classpath-exception-2.0',
    'MIT OR Apache-2.0',
    '(MIT OR Apache-2.0) AND BSD-3-Clause',
    '((MIT))',
    'LicenseRef-custom.1',
    'DocumentRef-other:LicenseRef-custom',
  ];
  const INVALID = [
    '',
    'GPL version 2',
    'MIT and Apache-2.0',
    '(MIT',
    'MIT)',
    'MIT OR',
    'AND',
    'MIT WITH',
    'MIT WITH Classpath-exception-2.0+',
    'BSD (3 clause)',
    'Public Domain',
  ];
  for (const text of VALID) {
    it(`accepts ${JSON.stringify(text)}`, () => assert.equal(isLicenseExpression(text), true));
  }
  for (const text of INVALID) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.equal(isLicenseExpression(text), false));
  }
});
