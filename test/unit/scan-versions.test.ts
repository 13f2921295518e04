// Tables for the version orders of every scheme the scanner knows. Each row states how two
// versions compare; every table is also checked as a whole to be a consistent order
// (antisymmetric and transitive over all the versions it mentions), since range matching relies
// on that. Expected results follow the ecosystems' own tools (dpkg, rpm, apk-tools, packaging,
// Gem::Version, Composer, Maven's ComparableVersion).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareVersions, isValidVersion, schemeForEcosystem } from '../../src/scan/versions/index.js';
import type { VersionScheme } from '../../src/scan/types.js';

type Relation = '<' | '=' | '>';
type Row = [string, Relation, string];

const EXPECTED_SIGN: Record<Relation, number> = { '<': -1, '=': 0, '>': 1 };

const ORDER_TABLES: Record<VersionScheme, Row[]> = {
  dpkg: [
    ['1.0~rc1', '<', '1.0'],
    ['1.0~rc1', '<', '1.0~rc2'],
    ['1.0~~', '<', '1.0~'],
    ['1.0~~a', '<', '1.0~'],
    ['1.0~', '<', '1.0'],
    ['1:0.9', '>', '2.0'],
    ['0:1.0', '=', '1.0'],
    ['01:1.0', '=', '1:1.0'],
    ['2:1', '>', '1:1.0-1'],
    ['1.0-1', '>', '1.0'],
    ['1.0-0', '=', '1.0'],
    ['1.0-1', '<', '1.0-1ubuntu1'],
    ['1.0a', '>', '1.0'],
    ['1.0+b1', '>', '1.0'],
    ['1.0a', '<', '1.0+'],
    ['1.0.1', '>', '1.0a'],
    ['1A', '<', '1a'],
    ['1.00', '=', '1.0'],
    ['1.10', '>', '1.9'],
    ['10.0', '>', '9.9'],
    ['1.0-10', '>', '1.0-9'],
    ['1.0-1~bpo1', '<', '1.0-1'],
    ['1.0-1+deb12u1', '>', '1.0-1'],
    ['1.0-1+deb12u1', '<', '1.0-1.1'],
    ['7.88.1-10+deb12u5', '<', '7.88.1-10+deb12u12'],
    ['1.2.3~git20200101', '<', '1.2.3'],
    ['1.2.3+git20200101', '>', '1.2.3'],
    ['3.0.11-1~deb12u2', '<', '3.0.13-1~deb12u1'],
    ['1.0-1-1', '>', '1.0-1'],
    ['5.2.15-2+b2', '>', '5.2.15-2'],
  ],
  rpm: [
    ['1.0^', '>', '1.0'],
    ['1.0~', '<', '1.0'],
    ['1.0~', '<', '1.0^'],
    ['1.0~~', '<', '1.0~'],
    ['1.0~rc1', '<', '1.0'],
    ['1.0.0~beta', '<', '1.0.0'],
    ['1.0^git1', '>', '1.0'],
    ['1.0^git1', '<', '1.0.1'],
    ['1.0^git1', '<', '1.1'],
    ['1.0^git1~pre', '<', '1.0^git1'],
    ['1:0.9', '>', '2.0'],
    ['0:1.0', '=', '1.0'],
    ['1.0', '<', '1.0-1'],
    ['1.0-1', '<', '1.0-2'],
    ['1.0a', '>', '1.0'],
    ['1.0.a', '=', '1.0a'],
    ['1.0_1', '=', '1.0.1'],
    ['1.0.1', '>', '1.0a'],
    ['1.01', '=', '1.1'],
    ['1.00', '=', '1.0'],
    ['1.10', '>', '1.9'],
    ['1.a', '<', '1.b'],
    ['10', '>', '9'],
    ['3.0.7-24.el9', '<', '3.0.7-25.el9'],
    ['3.0.7-24.el9', '<', '3.0.7-24.el9_3'],
    ['2.28-225.el9', '<', '2.28-225.el9_3.1'],
    ['1.0-1.el8', '<', '1.0-1.el9'],
    ['1.2.3-0.rc1', '<', '1.2.3-1'],
    ['5.3.28-1.1', '>', '5.3.28-1'],
  ],
  apk: [
    ['1.0', '<', '1.0.1'],
    ['1.0', '<', '1.0-r1'],
    ['1.0-r0', '=', '1.0-r0'],
    ['1.0-r1', '<', '1.0-r2'],
    ['1.0-r9', '<', '1.0-r10'],
    ['1.0_alpha', '<', '1.0_beta'],
    ['1.0_beta', '<', '1.0_pre'],
    ['1.0_pre', '<', '1.0_rc'],
    ['1.0_rc1', '<', '1.0'],
    ['1.0_rc1-r5', '<', '1.0-r0'],
    ['1.0', '<', '1.0_cvs'],
    ['1.0_cvs', '<', '1.0_svn'],
    ['1.0_svn', '<', '1.0_git'],
    ['1.0_git', '<', '1.0_hg'],
    ['1.0_hg', '<', '1.0_p'],
    ['1.0_p1', '<', '1.0_p2'],
    ['1.0_p9', '<', '1.0_p10'],
    ['1.0_alpha', '<', '1.0_alpha1'],
    ['1.0_alpha_pre2', '<', '1.0_alpha'],
    ['1.0a', '>', '1.0'],
    ['1.0a', '<', '1.0b'],
    ['1.0a', '<', '1.0.1'],
    ['1.0_p1', '<', '1.0a'],
    ['1.02', '<', '1.1'],
    ['1.01', '<', '1.010'],
    ['1.0', '<', '1.00'],
    ['006', '>', '1.0.0'],
    ['1.10', '>', '1.9'],
    ['1.0~1234', '<', '1.0~2345'],
    ['1.0~1234-r1', '>', '1.0~1234-r0'],
    ['2.3.0b-r1', '<', '2.3.0b-r2'],
    ['1.0.0_pre20191002222144', '<', '1.0.0_pre20210530193627'],
  ],
  pep440: [
    ['1.0.dev1', '<', '1.0a1'],
    ['1.0a1', '<', '1.0'],
    ['1.0', '<', '1.0.post1'],
    ['1.0a1.dev1', '<', '1.0a1'],
    ['1.0a1', '<', '1.0a1.post1'],
    ['1.0a1.post1', '<', '1.0b1'],
    ['1.0b2', '<', '1.0rc1'],
    ['1.0rc1', '<', '1.0'],
    ['1.0.post1.dev1', '<', '1.0.post1'],
    ['1.0.post1', '<', '1.0.post2'],
    ['1.0.post1', '<', '1.1.dev1'],
    ['1.0a1', '=', '1.0.0a1'],
    ['1.0', '=', '1.0.0'],
    ['1.0.post1', '=', '1.0-1'],
    ['1.0.post1', '=', '1.0-r1'],
    ['1.0.post0', '=', '1.0.post'],
    ['1.0alpha1', '=', '1.0a1'],
    ['1.0c1', '=', '1.0rc1'],
    ['1.0-a-1', '=', '1.0a1'],
    ['1.0.dev0', '=', '1.0.dev'],
    ['v1.0', '=', '1.0'],
    ['1.0+local', '>', '1.0'],
    ['1.0+local', '<', '1.0.post1'],
    ['1.0+abc.5', '<', '1.0+abc.10'],
    ['1.0+abc', '<', '1.0+1'],
    ['1.0+ABC', '=', '1.0+abc'],
    ['1.0+a-b_c', '=', '1.0+a.b.c'],
    ['1!0.5', '>', '2.0'],
    ['1.10', '>', '1.9'],
    ['2.0.dev1', '>', '1.0.post1'],
    ['1.0.0.0.1', '>', '1.0'],
  ],
  maven: [
    ['1-SNAPSHOT', '<', '1'],
    ['1.0-sp', '>', '1.0'],
    ['1.0-alpha-1', '<', '1.0'],
    ['1-alpha', '<', '1-beta'],
    ['1-beta', '<', '1-milestone'],
    ['1-milestone', '<', '1-rc'],
    ['1-rc', '=', '1-cr'],
    ['1-rc', '<', '1-snapshot'],
    ['1', '=', '1-ga'],
    ['1', '=', '1.0-final'],
    ['1', '=', '1-release'],
    ['1-sp', '<', '1-abc'],
    ['1-abc', '<', '1-def'],
    ['1', '=', '1.0.0'],
    ['1.0', '<', '1.0-1'],
    ['1.0-1', '<', '1.0.1'],
    ['1a1', '=', '1-alpha-1'],
    ['1b2', '=', '1beta2'],
    ['1m3', '=', '1-milestone-3'],
    ['1.0-SNAPSHOT', '=', '1.0-snapshot'],
    ['1.10', '>', '1.9'],
    ['2.0.1', '<', '2.0.1-xyz'],
    ['2.0.1-xyz', '<', '2.0.1-123'],
    ['31.1-jre', '<', '32.0.0-jre'],
    ['5.3.20.RELEASE', '=', '5.3.20'],
    ['1.2.3.Final', '=', '1.2.3'],
    ['1.0.RC2', '<', '1.0-RC3'],
    ['1.0-RC3', '<', '1.0.1'],
    ['1.0.0-M1', '<', '1.0.0-M2'],
    ['1.0.0-M2', '<', '1.0.0-RC1'],
    ['9.4.50.v20221201', '<', '9.4.51.v20230217'],
    ['1-alpha2snapshot', '<', '1-alpha2'],
  ],
  semver: [
    ['1.0.0-alpha', '<', '1.0.0-alpha.1'],
    ['1.0.0-alpha.1', '<', '1.0.0-alpha.beta'],
    ['1.0.0-alpha.beta', '<', '1.0.0-beta'],
    ['1.0.0-beta', '<', '1.0.0-beta.2'],
    ['1.0.0-beta.2', '<', '1.0.0-beta.11'],
    ['1.0.0-beta.11', '<', '1.0.0-rc.1'],
    ['1.0.0-rc.1', '<', '1.0.0'],
    ['1.0.0', '<', '2.0.0'],
    ['2.0.0', '<', '2.1.0'],
    ['2.1.0', '<', '2.1.1'],
    ['1.0.0+build.1', '=', '1.0.0+build.2'],
    ['1.0.0-rc.1+build', '=', '1.0.0-rc.1'],
    ['v1.2.3', '=', '1.2.3'],
    ['1.10.0', '>', '1.9.0'],
    ['1.0.0-1', '<', '1.0.0-a'],
    ['1.0.0-a-b', '>', '1.0.0-a'],
    ['18446744073709551616.0.0', '>', '18446744073709551615.0.0'],
  ],
  go: [
    ['v1.2.3', '<', 'v1.2.4'],
    ['v0.0.0-20191109021931-daa7c04131f5', '<', 'v0.0.1'],
    ['v0.0.0-20191109021931-daa7c04131f5', '<', 'v0.0.0-20200101000000-aaaaaaaaaaaa'],
    ['v1.2.4-0.20191109021931-daa7c04131f5', '>', 'v1.2.3'],
    ['v1.2.4-0.20191109021931-daa7c04131f5', '<', 'v1.2.4'],
    ['v1.2.4-pre.0.20191109021931-daa7c04131f5', '>', 'v1.2.4-pre'],
    ['v1.2.4-pre.0.20191109021931-daa7c04131f5', '<', 'v1.2.4'],
    ['v2.0.0+incompatible', '=', 'v2.0.0'],
    ['v2.0.0+incompatible', '>', 'v1.9.9'],
    ['v1', '=', 'v1.0.0'],
    ['v1.2', '=', 'v1.2.0'],
    ['1.20.5', '=', 'v1.20.5'],
    ['1.21.0-rc.2', '<', '1.21.0'],
    ['v1.10.0', '>', 'v1.9.0'],
  ],
  rubygems: [
    ['1.0', '=', '1.0.0'],
    ['1.0.a', '<', '1.0'],
    ['1.0.a', '=', '1.0.a.0'],
    ['1.0a', '=', '1.0.a'],
    ['1.0.a', '<', '1.0.b'],
    ['1.0.A', '<', '1.0.a'],
    ['1.0-rc1', '=', '1.0.pre.rc.1'],
    ['1.0-rc1', '<', '1.0.rc1'],
    ['2.0.0.beta2', '<', '2.0.0.beta10'],
    ['2.0.0.beta10', '<', '2.0.0.rc1'],
    ['2.0.0.rc1', '<', '2.0.0'],
    ['2.0.0', '<', '2.0.0.1'],
    ['1.10', '>', '1.9'],
    ['0.9.9', '<', '1.0.a'],
    ['', '=', '0'],
  ],
  composer: [
    ['v1.2.3', '=', '1.2.3'],
    ['1.2', '=', '1.2.0.0'],
    ['1.2.3-beta2', '<', '1.2.3'],
    ['1.2.3-beta2', '=', '1.2.3-b2'],
    ['1.2.3-beta2', '=', '1.2.3-beta.2'],
    ['1.2.3-alpha1', '<', '1.2.3-beta1'],
    ['1.2.3-beta2', '<', '1.2.3-RC1'],
    ['1.2.3-RC', '=', '1.2.3-rc'],
    ['1.2.3-RC1', '<', '1.2.3'],
    ['1.2.3', '<', '1.2.3-patch1'],
    ['1.2.3-p1', '=', '1.2.3-patch1'],
    ['1.2.3-dev', '<', '1.2.3-alpha1'],
    ['1.2.3-beta2-dev', '<', '1.2.3-beta2'],
    ['2.0.0-RC2', '<', '2.0.0-RC10'],
    ['1.10.0', '>', '1.9.9'],
    ['1.2.3+build.5', '=', '1.2.3'],
    ['1.2.x-dev', '>', '1.2.3'],
    ['2010-01-02', '=', '2010:01:02'],
    ['2010-01-02', '<', '2011-01-01'],
    ['dev-main', '<', '0.0.1'],
    ['dev-feature', '<', 'dev-main'],
  ],
};

const VALIDITY_TABLES: Record<VersionScheme, { valid: string[]; invalid: string[] }> = {
  dpkg: {
    valid: ['1.0', '1:2.3-4', '1.0~rc1+dfsg-1ubuntu0.1', '7.88.1-10+deb12u5', '1.0-1-1'],
    invalid: ['', 'a1.0', '1.0-', 'x:1.0', ':1.0', '1.0 1', '1_0'],
  },
  apk: {
    valid: ['1.2.3-r0', '0.1_pre2~1234abcd', '1.0_alpha1_pre2', '2.3.0b-r1', '1.0_git20240101_pre1'],
    invalid: ['', '1.0bc', '0.1a1', '0.1_foobar', '0.1-r', '0.1-r2-r3', 'a', '1.0-1', '0.1_pre2~1234xbcd'],
  },
  rpm: {
    valid: ['1.0', '1:2.3-4.el9', '1.0^git1~pre', '2.28-225.el9_3.1'],
    invalid: ['', 'x:1.0', '1.0 beta', '1.0-'],
  },
  semver: {
    valid: ['1.0.0', 'v1.0.0', '1.0.0-alpha.1+build.5', '1.0.0-0.3.7', '1.0.0-x-y-z.--'],
    invalid: ['1.0', '01.0.0', '1.0.0-01', '1.0.0-', '1.0.0+', '1.0.0-alpha..1'],
  },
  go: {
    valid: ['v1.2.3', 'v1', 'v1.2', 'v0.0.0-20191109021931-daa7c04131f5', 'v2.0.0+incompatible'],
    invalid: ['1.2.3', 'v1.2.3.4', 'v01.2.3', 'v1.2-pre'],
  },
  pep440: {
    valid: ['1.0', '1!2.0.post1.dev3+local.7', 'v1.0a1', '1.0-1', ' 1.0 ', '1.0.DEV1'],
    invalid: ['', '1.0-', 'foo', '1.0+', '1.0a1b1', '1.0.post1.post2'],
  },
  maven: {
    valid: ['1.0', '1.0-SNAPSHOT', 'anything'],
    invalid: ['', '   '],
  },
  rubygems: {
    valid: ['1.0', '1.0-rc1', '1.0.a', ' 1.0 ', ''],
    invalid: ['1.0.', '1..0', 'a1', '1.0_1', '1.0-'],
  },
  composer: {
    valid: ['v1.2.3', '1.0.0-RC1', '1.0.x-dev', 'dev-main', 'master', '2010-01-02', '1.0.0 as 2.0.0'],
    invalid: ['', 'foo', '1.0.0-1', '1.2.3.4.5', 'feature-dev'],
  },
};

function relationOf(scheme: VersionScheme, a: string, b: string): number {
  return Math.sign(compareVersions(scheme, a, b));
}

/** The relation seen from the other side; written out because -0 is not 0 to assert.equal. */
function reversed(relation: number): number {
  return relation === 0 ? 0 : -relation;
}

for (const [scheme, rows] of Object.entries(ORDER_TABLES) as [VersionScheme, Row[]][]) {
  describe(`${scheme} version order`, () => {
    for (const [a, relation, b] of rows) {
      it(`${a} ${relation} ${b}`, () => {
        assert.equal(relationOf(scheme, a, b), EXPECTED_SIGN[relation], `${a} vs ${b}`);
        assert.equal(relationOf(scheme, b, a), reversed(EXPECTED_SIGN[relation]), `${b} vs ${a}`);
      });
    }

    it('is antisymmetric and transitive over every version in the table', () => {
      const versions = [...new Set(rows.flatMap(([a, , b]) => [a, b]))];
      const matrix = versions.map((a) => versions.map((b) => relationOf(scheme, a, b)));
      for (let x = 0; x < versions.length; x++) {
        assert.equal(matrix[x]![x], 0, `${versions[x]} equals itself`);
        for (let y = 0; y < versions.length; y++) {
          assert.equal(matrix[x]![y], reversed(matrix[y]![x]!), `antisymmetry of ${versions[x]} and ${versions[y]}`);
          for (let z = 0; z < versions.length; z++) {
            const xy = matrix[x]![y]!;
            const yz = matrix[y]![z]!;
            if (xy > 0 || yz > 0) continue;
            const xz = matrix[x]![z]!;
            const why = `${versions[x]} / ${versions[y]} / ${versions[z]}`;
            assert.ok(xz <= 0, `transitivity of <= over ${why}`);
            if (xy < 0 || yz < 0) assert.ok(xz < 0, `transitivity of < over ${why}`);
          }
        }
      }
    });

    it('tells valid versions from invalid ones', () => {
      for (const version of VALIDITY_TABLES[scheme].valid) {
        assert.equal(isValidVersion(scheme, version), true, `${JSON.stringify(version)} is valid`);
      }
      for (const version of VALIDITY_TABLES[scheme].invalid) {
        assert.equal(isValidVersion(scheme, version), false, `${JSON.stringify(version)} is invalid`);
      }
    });
  });
}

describe('comparison of strings an ecosystem rejects', () => {
  const CASES: [VersionScheme, string, string][] = [
    ['pep440', 'not a version', '0.0.1'],
    ['composer', 'not a version', '0.0.1'],
  ];
  for (const [scheme, invalid, valid] of CASES) {
    it(`${scheme} places ${JSON.stringify(invalid)} before every valid version`, () => {
      assert.equal(relationOf(scheme, invalid, valid), -1);
      assert.equal(relationOf(scheme, valid, invalid), 1);
      assert.equal(relationOf(scheme, invalid, invalid), 0);
    });
  }
});

describe('schemeForEcosystem', () => {
  const CASES: [string, VersionScheme | undefined][] = [
    ['Debian', 'dpkg'],
    ['Debian:12', 'dpkg'],
    ['Ubuntu', 'dpkg'],
    ['Ubuntu:22.04:LTS', 'dpkg'],
    ['Alpine', 'apk'],
    ['Alpine:v3.18', 'apk'],
    ['Wolfi', 'apk'],
    ['Red Hat', 'rpm'],
    ['Red Hat:enterprise_linux:9::appstream', 'rpm'],
    ['Rocky Linux:9', 'rpm'],
    ['AlmaLinux:8', 'rpm'],
    ['openSUSE:Leap 15.5', 'rpm'],
    ['SUSE:Linux Enterprise Server 15 SP5', 'rpm'],
    ['npm', 'semver'],
    ['crates.io', 'semver'],
    ['Go', 'go'],
    ['PyPI', 'pep440'],
    ['Maven', 'maven'],
    ['RubyGems', 'rubygems'],
    ['Packagist', 'composer'],
    ['NuGet', undefined],
    ['Debianish', undefined],
    ['', undefined],
  ];
  for (const [ecosystem, scheme] of CASES) {
    it(`${JSON.stringify(ecosystem)} -> ${scheme ?? 'none'}`, () => {
      assert.equal(schemeForEcosystem(ecosystem), scheme);
    });
  }
});
