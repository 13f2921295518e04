// The vulnerability fixture set and what a scan of the test images must report against it:
//
//   test/fixtures/osv/<ID>.json     one OSV record per file, named by its id
//   test/fixtures/scan-expected.json
//     findings    every (advisory, package, installed version) the scan must report, no more
//     unmatched   every other fixture record, with why it must not match
//     packages    inventory entries that must be there, and ones whiteouts must have removed
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './scan-images.js';

export const OSV_FIXTURES_DIR = join(REPO_ROOT, 'test', 'fixtures', 'osv');
export const SCAN_EXPECTED_FILE = join(REPO_ROOT, 'test', 'fixtures', 'scan-expected.json');

export interface ExpectedFinding {
  /** The OSV record's id. */
  id: string;
  /** InventoryPackage.ecosystem: without a release (`Debian`, not `Debian:12`). */
  ecosystem: string;
  /** The installed package (for Debian the binary package). */
  package: string;
  version: string;
  /** Debian: the source package the advisory is keyed by. */
  source?: { name: string; version: string };
  /** Files the package is read from (an npm package is in its lockfile and its node_modules). */
  paths: string[];
}

export interface UnmatchedRecord {
  id: string;
  ecosystem: string;
  /** For Debian the source package. */
  package: string;
  /** The installed version when the expectation was written, when one is installed. */
  installed?: string;
  why: string;
}

export interface ExpectedPackage {
  ecosystem: string;
  name: string;
  version?: string;
  path?: string;
  why?: string;
}

export interface ScanExpectations {
  os: { id: string; versionId: string; ecosystem: string };
  /** `os/architecture[/variant]` of the multi-arch image; each must give the same findings. */
  platforms: string[];
  findings: ExpectedFinding[];
  unmatched: UnmatchedRecord[];
  packages: { present: ExpectedPackage[]; absent: ExpectedPackage[] };
}

export function loadScanExpectations(): ScanExpectations {
  return JSON.parse(readFileSync(SCAN_EXPECTED_FILE, 'utf8')) as ScanExpectations;
}

export interface OsvFixture {
  file: string;
  /** The parsed JSON, unvalidated: tests hand it to the importer or its schema. */
  record: unknown;
}

export function loadOsvFixtures(): OsvFixture[] {
  return readdirSync(OSV_FIXTURES_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({ file: join(OSV_FIXTURES_DIR, name), record: JSON.parse(readFileSync(join(OSV_FIXTURES_DIR, name), 'utf8')) as unknown }));
}
