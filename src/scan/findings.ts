// Findings as the ECR API shows them: basic findings (`imageScanFindings.findings`) and enhanced
// ones in Inspector's EnhancedImageScanFinding shape (`enhancedFindings`), plus the severity counts
// that DescribeImages, the events and the pull block use. Pure functions over stored findings.
import type { Finding } from './vulndb/index.js';
import type { EcrSeverity } from './vulndb/index.js';

/** A finding as stored with a scan: the matcher's finding plus where in the image it was found. */
export interface StoredFinding extends Finding {
  platform: string;
  manifestDigest: string;
  firstObservedAt: number;
}

export const SEVERITY_ORDER: readonly EcrSeverity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'];

/** Severities the pull block may be set at, most severe first (UNDEFINED: any finding blocks). */
export const BLOCKABLE_SEVERITIES: readonly EcrSeverity[] = SEVERITY_ORDER;

export function severityRank(severity: EcrSeverity): number {
  const rank = SEVERITY_ORDER.indexOf(severity);
  return rank < 0 ? SEVERITY_ORDER.length : rank;
}

/** Only the severities present, as ECR reports them. */
export function severityCounts(findings: readonly { severity: EcrSeverity }[]): Partial<Record<EcrSeverity, number>> {
  const counts: Partial<Record<EcrSeverity, number>> = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return Object.fromEntries(SEVERITY_ORDER.filter((s) => counts[s]).map((s) => [s, counts[s]!]));
}

/** Most severe first, then by id, so pages are stable. */
export function sortFindings<T extends Finding>(findings: T[]): T[] {
  return findings.sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || a.id.localeCompare(b.id) || a.package.name.localeCompare(b.package.name));
}

/** One finding per vulnerability and package version, however many platforms carry it. */
export function dedupeFindings(findings: StoredFinding[]): StoredFinding[] {
  const seen = new Map<string, StoredFinding>();
  for (const f of findings) {
    const key = `${f.id}\u0000${f.package.ecosystem}\u0000${f.package.name}\u0000${f.package.version}`;
    if (!seen.has(key)) seen.set(key, f);
  }
  return [...seen.values()];
}

const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

function advisoryUrl(f: Finding): string {
  return f.sourceUrl ?? f.references[0] ?? `https://osv.dev/vulnerability/${encodeURIComponent(f.id)}`;
}

function description(f: Finding): string {
  return clip(f.summary || f.details || f.id, 4096);
}

/** ECR's basic `ImageScanFinding`. */
export function basicFinding(f: StoredFinding): Record<string, unknown> {
  const attributes: { key: string; value: string }[] = [
    { key: 'package_name', value: f.package.name },
    { key: 'package_version', value: f.package.version },
  ];
  if (f.fixedVersion) attributes.push({ key: 'fixed_in_version', value: f.fixedVersion });
  if (f.cvssVector && f.cvssScore !== undefined && f.cvssVersion) {
    const major = f.cvssVersion.split('.')[0];
    attributes.push({ key: `CVSS${major}_SCORE`, value: String(f.cvssScore) }, { key: `CVSS${major}_VECTOR`, value: f.cvssVector });
  }
  if (f.platform !== 'unknown') attributes.push({ key: 'platform', value: f.platform });
  return {
    name: f.id,
    description: description(f),
    uri: advisoryUrl(f),
    severity: f.severity,
    attributes: attributes.map((a) => ({ key: clip(a.key, 128), value: clip(a.value, 256) })),
  };
}

export interface EnhancedContext {
  registryId: string;
  region: string;
  repository: string;
  imageDigest: string;
  imageTags: string[];
  pushedAt: number;
}

const PACKAGE_MANAGER: Record<string, string> = {
  Debian: 'OS', Ubuntu: 'OS', Alpine: 'OS', 'Red Hat': 'OS', 'Rocky Linux': 'OS', AlmaLinux: 'OS',
  npm: 'NODEPKG', PyPI: 'PYTHONPKG', Go: 'GOBINARY', Maven: 'JAR', 'crates.io': 'CARGO', RubyGems: 'GEMSPEC', Packagist: 'COMPOSER',
};

/** Splits `[epoch:]version[-release]` the way Inspector reports OS packages. */
function versionParts(version: string): { epoch: number; version: string; release?: string } {
  const withEpoch = /^(\d+):(.*)$/.exec(version);
  const epoch = withEpoch ? Number(withEpoch[1]) : 0;
  const rest = withEpoch ? withEpoch[2]! : version;
  const dash = rest.lastIndexOf('-');
  return dash > 0 ? { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) } : { epoch, version: rest };
}

/** Inspector's `EnhancedImageScanFinding`. */
export function enhancedFinding(f: StoredFinding, ctx: EnhancedContext): Record<string, unknown> {
  const findingId = `${f.id}/${f.package.ecosystem}/${f.package.name}/${f.package.version}`;
  const [os, architecture] = f.platform.split('/');
  const parts = f.package.kind === 'os' ? versionParts(f.package.version) : { epoch: 0, version: f.package.version };
  const fixAvailable = f.fixedVersion ? 'YES' : 'NO';
  return {
    awsAccountId: ctx.registryId,
    description: description(f),
    findingArn: `arn:aws:inspector2:${ctx.region}:${ctx.registryId}:finding/${Buffer.from(`${ctx.repository}@${ctx.imageDigest}/${findingId}`).toString('base64url').slice(0, 64)}`,
    firstObservedAt: f.firstObservedAt / 1000,
    lastObservedAt: Date.now() / 1000,
    updatedAt: f.modified / 1000,
    packageVulnerabilityDetails: {
      cvss: f.cvssVector && f.cvssScore !== undefined ? [{ baseScore: f.cvssScore, scoringVector: f.cvssVector, source: 'OSV', version: f.cvssVersion ?? '' }] : [],
      referenceUrls: f.references.slice(0, 20),
      relatedVulnerabilities: f.aliases,
      source: f.package.ecosystem,
      sourceUrl: advisoryUrl(f),
      ...(f.published !== undefined ? { vendorCreatedAt: f.published / 1000 } : {}),
      vendorSeverity: f.severity,
      vendorUpdatedAt: f.modified / 1000,
      vulnerabilityId: f.id,
      vulnerablePackages: [
        {
          name: f.package.name,
          version: parts.version,
          epoch: parts.epoch,
          ...('release' in parts && parts.release ? { release: parts.release } : {}),
          ...(f.package.arch ? { arch: f.package.arch } : {}),
          filePath: f.package.path,
          packageManager: PACKAGE_MANAGER[f.package.ecosystem] ?? f.package.ecosystem.toUpperCase(),
          ...(f.fixedVersion ? { fixedInVersion: f.fixedVersion } : {}),
        },
      ],
    },
    remediation: { recommendation: { text: f.fixedVersion ? `Upgrade ${f.package.name} to ${f.fixedVersion} or later.` : `No fixed version of ${f.package.name} is known yet.`, url: advisoryUrl(f) } },
    resources: [
      {
        id: `arn:aws:ecr:${ctx.region}:${ctx.registryId}:repository/${ctx.repository}/${ctx.imageDigest.replace(':', '/')}`,
        type: 'AWS_ECR_CONTAINER_IMAGE',
        tags: {},
        details: {
          awsEcrContainerImage: {
            architecture: architecture ?? 'unknown',
            imageHash: ctx.imageDigest,
            imageTags: ctx.imageTags,
            platform: os ?? 'unknown',
            pushedAt: ctx.pushedAt / 1000,
            registry: ctx.registryId,
            repositoryName: ctx.repository,
          },
        },
      },
    ],
    ...(f.cvssScore !== undefined ? { score: f.cvssScore } : {}),
    ...(f.cvssScore !== undefined && f.cvssVector
      ? { scoreDetails: { cvss: { adjustments: [], score: f.cvssScore, scoreSource: 'OSV', scoringVector: f.cvssVector, version: f.cvssVersion ?? '' } } }
      : {}),
    severity: f.severity,
    status: 'ACTIVE',
    title: clip(`${f.id} - ${f.package.name}`, 1024),
    type: 'PACKAGE_VULNERABILITY',
    fixAvailable,
    exploitAvailable: 'NO',
  };
}
