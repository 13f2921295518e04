// The severity a finding shows, in ECR's names. For an OS package the distribution's own rating
// wins when the record carries one — Debian's urgency, Ubuntu's priority, Red Hat's impact — as
// that is what ECR basic scanning shows; otherwise, and for language packages, the CVSS base
// score decides, then the database's word (GitHub's LOW/MODERATE/HIGH/CRITICAL). The CVSS score
// and vector are kept either way, for enhanced findings.
import calculator from 'ae-cvss-calculator';
import { isDistribution } from './ecosystems.js';
import type { OsvAffected, OsvRecord, OsvSeverity } from './osv.js';

export type EcrSeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL' | 'UNDEFINED';

export type CvssVersion = '2.0' | '3.0' | '3.1' | '4.0';

export interface Cvss {
  score: number;
  version: CvssVersion;
  vector: string;
}

export interface SeverityAssessment {
  severity: EcrSeverity;
  cvss?: Cvss;
}

export function severityOfScore(score: number): EcrSeverity {
  if (score >= 9) return 'CRITICAL';
  if (score >= 7) return 'HIGH';
  if (score >= 4) return 'MEDIUM';
  if (score > 0) return 'LOW';
  return 'INFORMATIONAL';
}

/**
 * The words distributions and databases rate with. Debian's "not yet assigned" and Ubuntu's
 * "untriaged" are no rating, so the CVSS score decides for them.
 */
const RATINGS: Readonly<Record<string, EcrSeverity>> = {
  unimportant: 'INFORMATIONAL',
  negligible: 'INFORMATIONAL',
  low: 'LOW',
  medium: 'MEDIUM',
  moderate: 'MEDIUM',
  high: 'HIGH',
  important: 'HIGH',
  critical: 'CRITICAL',
};

/** The ECR severity of a rating word; the Debian tracker marks unsure ratings with trailing `*`. */
export function severityOfRating(word: unknown): EcrSeverity | undefined {
  if (typeof word !== 'string') return undefined;
  const key = word.trim().replace(/\*+$/, '').toLowerCase();
  return Object.hasOwn(RATINGS, key) ? RATINGS[key] : undefined;
}

const { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } = calculator;

/** Base score (the 4.0 score without threat or environmental metrics, like 3.x and 2.0 base scores). */
function baseScore(version: CvssVersion, vector: string): number | undefined {
  try {
    if (version === '4.0') {
      const v4 = new Cvss4P0(vector);
      return v4.isBaseFullyDefined() ? v4.calculateScores().baseMetricsOnly : undefined;
    }
    const v = version === '2.0' ? new Cvss2(vector) : version === '3.0' ? new Cvss3P0(vector) : new Cvss3P1(vector);
    return v.isBaseFullyDefined() ? v.calculateScores().base : undefined;
  } catch {
    // The calculator throws on unknown metrics and values: such a vector has no score.
    return undefined;
  }
}

function cvssVersionOf(entry: OsvSeverity): CvssVersion | undefined {
  const prefix = /^CVSS:(\d\.\d)\//.exec(entry.score)?.[1];
  if (entry.type === 'CVSS_V4') return prefix === '4.0' ? '4.0' : undefined;
  if (entry.type === 'CVSS_V3') return prefix === '3.1' || prefix === '3.0' ? prefix : undefined;
  if (entry.type === 'CVSS_V2') return prefix === undefined ? '2.0' : undefined;
  return undefined;
}

/** The CVSS of one OSV severity entry, or undefined when it is not a complete, known vector. */
export function cvssOf(entry: OsvSeverity): Cvss | undefined {
  const version = cvssVersionOf(entry);
  // NVD writes 2.0 vectors in parentheses.
  const vector = entry.score.trim().replace(/^\((.*)\)$/, '$1');
  const score = version && baseScore(version, vector);
  return version && score !== undefined ? { score, version, vector } : undefined;
}

/** ECR enhanced scanning rates by CVSS v3 first; 4.0 is still rare, 2.0 a last resort. */
const CVSS_PREFERENCE = ['CVSS_V3', 'CVSS_V4', 'CVSS_V2'];

function preferredCvss(entries: OsvSeverity[]): Cvss | undefined {
  for (const type of CVSS_PREFERENCE) {
    for (const entry of entries) {
      const cvss = entry.type === type ? cvssOf(entry) : undefined;
      if (cvss) return cvss;
    }
  }
  return undefined;
}

/** Red Hat, AlmaLinux and Rocky Linux put the impact in front of the summary: "Important: ...". */
const IMPACT_PREFIX = /^(Low|Moderate|Important|Critical):/;

/** The distribution's own ratings, most specific first. */
function distributionRatings(record: OsvRecord, affected: OsvAffected, entries: OsvSeverity[]): unknown[] {
  return [
    affected.ecosystem_specific?.urgency,
    affected.database_specific?.urgency,
    record.database_specific?.urgency,
    ...entries.filter((e) => e.type === 'Ubuntu').map((e) => e.score),
    IMPACT_PREFIX.exec(record.summary ?? '')?.[1],
  ];
}

function databaseRatings(record: OsvRecord, affected: OsvAffected): unknown[] {
  return [affected.database_specific?.severity, record.database_specific?.severity];
}

/** The severity of a record for the packages of one of its affected[] entries. */
export function assessSeverity(record: OsvRecord, affected: OsvAffected): SeverityAssessment {
  // An affected entry's own severity (OSV 1.6) replaces the record's for that package.
  const entries = affected.severity.length > 0 ? affected.severity : record.severity;
  const cvss = preferredCvss(entries);
  const fromCvss = cvss && severityOfScore(cvss.score);
  const ecosystem = affected.package?.ecosystem ?? '';
  const ratings = isDistribution(ecosystem)
    ? [...distributionRatings(record, affected, entries), ...databaseRatings(record, affected)].map(severityOfRating)
    : [fromCvss, ...databaseRatings(record, affected).map(severityOfRating)];
  const severity = ratings.find((s) => s !== undefined) ?? fromCvss ?? 'UNDEFINED';
  return cvss ? { severity, cvss } : { severity };
}
