// Tables for finding severity: CVSS base scores of real vectors, the score bands ECR uses, rating
// words, and which source wins for OS and language packages.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseOsvRecord, type OsvRecord } from '../../src/scan/vulndb/osv.js';
import { assessSeverity, cvssOf, severityOfRating, severityOfScore, type CvssVersion, type EcrSeverity } from '../../src/scan/vulndb/severity.js';

describe('CVSS base scores', () => {
  const CASES: { type: string; vector: string; score: number | undefined; version?: CvssVersion }[] = [
    { type: 'CVSS_V3', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8, version: '3.1' },
    { type: 'CVSS_V3', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', score: 10, version: '3.1' },
    { type: 'CVSS_V3', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', score: 6.1, version: '3.1' },
    { type: 'CVSS_V3', vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', score: 7.8, version: '3.1' },
    { type: 'CVSS_V3', vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H', score: 5.9, version: '3.1' },
    { type: 'CVSS_V3', vector: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', score: 7.5, version: '3.0' },
    { type: 'CVSS_V3', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', score: 0, version: '3.1' },
    // Temporal metrics do not change the base score.
    { type: 'CVSS_V3', vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H/E:U/RL:O', score: 5.9, version: '3.1' },
    { type: 'CVSS_V4', vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', score: 9.3, version: '4.0' },
    { type: 'CVSS_V4', vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H', score: 10, version: '4.0' },
    // Threat metrics (E:U) lower CVSS-BT, not the base score.
    { type: 'CVSS_V4', vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U', score: 9.3, version: '4.0' },
    { type: 'CVSS_V2', vector: 'AV:N/AC:L/Au:N/C:P/I:P/A:P', score: 7.5, version: '2.0' },
    { type: 'CVSS_V2', vector: 'AV:N/AC:L/Au:N/C:C/I:C/A:C', score: 10, version: '2.0' },
    { type: 'CVSS_V2', vector: '(AV:N/AC:M/Au:N/C:N/I:P/A:N)', score: 4.3, version: '2.0' },
    { type: 'CVSS_V3', vector: 'CVSS:3.1/AV:N/AC:L', score: undefined },
    { type: 'CVSS_V3', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q', score: undefined },
    { type: 'CVSS_V3', vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', score: undefined },
    { type: 'CVSS_V4', vector: 'not a vector', score: undefined },
    { type: 'Ubuntu', vector: 'high', score: undefined },
  ];
  for (const c of CASES) {
    it(`${c.type} ${c.vector} -> ${c.score ?? 'none'}`, () => {
      const cvss = cvssOf({ type: c.type, score: c.vector });
      assert.equal(cvss?.score, c.score);
      assert.equal(cvss?.version, c.version);
    });
  }
});

describe('score bands', () => {
  const CASES: [number, EcrSeverity][] = [
    [10, 'CRITICAL'],
    [9, 'CRITICAL'],
    [8.9, 'HIGH'],
    [7, 'HIGH'],
    [6.9, 'MEDIUM'],
    [4, 'MEDIUM'],
    [3.9, 'LOW'],
    [0.1, 'LOW'],
    [0, 'INFORMATIONAL'],
  ];
  for (const [score, severity] of CASES) it(`${score} -> ${severity}`, () => assert.equal(severityOfScore(score), severity));
});

describe('rating words', () => {
  const CASES: [unknown, EcrSeverity | undefined][] = [
    ['unimportant', 'INFORMATIONAL'],
    ['negligible', 'INFORMATIONAL'],
    ['low', 'LOW'],
    ['LOW', 'LOW'],
    ['medium**', 'MEDIUM'],
    ['MODERATE', 'MEDIUM'],
    ['high', 'HIGH'],
    ['Important', 'HIGH'],
    ['CRITICAL', 'CRITICAL'],
    ['not yet assigned', undefined],
    ['untriaged', undefined],
    [7, undefined],
  ];
  for (const [word, severity] of CASES) it(`${String(word)} -> ${severity ?? 'none'}`, () => assert.equal(severityOfRating(word), severity));
});

const V3_CRITICAL = { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' };
const V3_HIGH = { type: 'CVSS_V3', score: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' };
const V3_MEDIUM = { type: 'CVSS_V3', score: 'CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:N/I:N/A:H' };
const V4_CRITICAL = { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' };

function record(fields: Record<string, unknown>, affected: Record<string, unknown>[]): OsvRecord {
  const parsed = parseOsvRecord({ id: 'TEST-1', modified: '2024-01-01T00:00:00Z', ...fields, affected });
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.record;
}

const pkg = (ecosystem: string, name: string, extra: Record<string, unknown> = {}) => ({
  package: { ecosystem, name },
  ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
  ...extra,
});

describe('which severity a finding shows', () => {
  const CASES: { name: string; record: OsvRecord; entry?: number; severity: EcrSeverity; cvss?: number }[] = [
    {
      name: 'Debian urgency wins over CVSS for an OS package',
      record: record({ severity: [V3_CRITICAL] }, [pkg('Debian:12', 'glibc', { ecosystem_specific: { urgency: 'low' } })]),
      severity: 'LOW',
      cvss: 9.8,
    },
    {
      name: 'Debian "not yet assigned" leaves it to CVSS',
      record: record({ severity: [V3_HIGH] }, [pkg('Debian:12', 'openssl', { ecosystem_specific: { urgency: 'not yet assigned' } })]),
      severity: 'HIGH',
      cvss: 7.5,
    },
    {
      name: 'Debian unimportant is informational',
      record: record({}, [pkg('Debian:12', 'glibc', { ecosystem_specific: { urgency: 'unimportant' } })]),
      severity: 'INFORMATIONAL',
    },
    {
      name: 'Debian rates each release on its own (Debian:11 entry)',
      record: record({}, [
        pkg('Debian:12', 'curl', { ecosystem_specific: { urgency: 'high' } }),
        pkg('Debian:11', 'curl', { ecosystem_specific: { urgency: 'unimportant' } }),
      ]),
      entry: 1,
      severity: 'INFORMATIONAL',
    },
    {
      name: 'Debian urgency in database_specific',
      record: record({ database_specific: { urgency: 'medium' } }, [pkg('Debian:12', 'tiff')]),
      severity: 'MEDIUM',
    },
    {
      name: 'no rating and no CVSS is undefined',
      record: record({}, [pkg('Debian:12', 'glibc', { ecosystem_specific: { urgency: 'not yet assigned' } })]),
      severity: 'UNDEFINED',
    },
    {
      name: 'Ubuntu priority wins over CVSS',
      record: record({ severity: [V3_MEDIUM, { type: 'Ubuntu', score: 'low' }] }, [pkg('Ubuntu:22.04:LTS', 'openssl')]),
      severity: 'LOW',
      cvss: 4.7,
    },
    {
      name: 'Ubuntu negligible is informational',
      record: record({ severity: [{ type: 'Ubuntu', score: 'negligible' }] }, [pkg('Ubuntu:22.04:LTS', 'glibc')]),
      severity: 'INFORMATIONAL',
    },
    {
      name: 'Red Hat impact in the summary wins over CVSS',
      record: record({ summary: 'Important: sudo security update', severity: [V3_MEDIUM] }, [pkg('Red Hat:enterprise_linux:9::baseos', 'sudo')]),
      severity: 'HIGH',
      cvss: 4.7,
    },
    {
      name: 'Alpine has no rating of its own: CVSS',
      record: record({ severity: [V3_HIGH] }, [pkg('Alpine:v3.18', 'openssl')]),
      severity: 'HIGH',
      cvss: 7.5,
    },
    {
      name: "a language package: CVSS wins over the database's word",
      record: record({ severity: [V3_CRITICAL], database_specific: { severity: 'MODERATE' } }, [pkg('npm', 'lodash')]),
      severity: 'CRITICAL',
      cvss: 9.8,
    },
    {
      name: "a language package without CVSS: the database's word",
      record: record({ database_specific: { severity: 'MODERATE' } }, [pkg('PyPI', 'requests')]),
      severity: 'MEDIUM',
    },
    {
      name: 'a language package ignores urgency-like fields',
      record: record({ severity: [V3_CRITICAL] }, [pkg('PyPI', 'requests', { ecosystem_specific: { urgency: 'low' } })]),
      severity: 'CRITICAL',
      cvss: 9.8,
    },
    {
      name: 'a language package with nothing is undefined',
      record: record({}, [pkg('Go', 'golang.org/x/net')]),
      severity: 'UNDEFINED',
    },
    {
      name: 'CVSS v3 is preferred to v4',
      record: record({ severity: [V4_CRITICAL, V3_MEDIUM] }, [pkg('npm', 'lodash')]),
      severity: 'MEDIUM',
      cvss: 4.7,
    },
    {
      name: 'CVSS v4 alone',
      record: record({ severity: [V4_CRITICAL] }, [pkg('npm', 'lodash')]),
      severity: 'CRITICAL',
      cvss: 9.3,
    },
    {
      name: "an affected entry's own severity replaces the record's",
      record: record({ severity: [V3_CRITICAL] }, [pkg('Maven', 'org.example:lib', { severity: [V3_MEDIUM] })]),
      severity: 'MEDIUM',
      cvss: 4.7,
    },
    {
      name: 'an unusable vector is passed over for the next',
      record: record({ severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N' }, { type: 'CVSS_V2', score: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' }] }, [pkg('npm', 'x')]),
      severity: 'HIGH',
      cvss: 7.5,
    },
  ];
  for (const c of CASES) {
    it(c.name, () => {
      const assessment = assessSeverity(c.record, c.record.affected[c.entry ?? 0]!);
      assert.equal(assessment.severity, c.severity);
      assert.equal(assessment.cvss?.score, c.cvss);
    });
  }
});
