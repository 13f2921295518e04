// Which scanning a repository gets (ECR's registry scanning configuration plus a repository's own
// scanOnPush), and the validation of PutRegistryScanningConfiguration, as tables of cases.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_SCANNING,
  effectiveScanning,
  filterMatches,
  parseRegistryScanningConfiguration,
  ScanningConfigurationError,
  type RegistryScanningConfiguration,
} from '../../src/scan/index.js';

const wildcard = (filter: string) => ({ filter, filterType: 'WILDCARD' as const });

describe('WILDCARD repository filters', () => {
  const cases: [string, string, boolean][] = [
    ['prod', 'prod', true],
    ['prod', 'prod/app', false],
    ['prod*', 'prod/app', true],
    ['prod/*', 'prod', false],
    ['*', 'anything/at/all', true],
    ['*/app', 'team/app', true],
    ['*/app', 'team/app2', false],
    ['a.b', 'axb', false],
    ['team-*-svc', 'team-x-svc', true],
    ['team-*-svc', 'team-x-svc2', false],
  ];
  for (const [filter, repository, expected] of cases) {
    it(`${filter} ${expected ? 'matches' : 'does not match'} ${repository}`, () => assert.equal(filterMatches(filter, repository), expected));
  }
});

describe('effective scanning of a repository', () => {
  const enhanced: RegistryScanningConfiguration = {
    scanType: 'ENHANCED',
    rules: [
      { scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [wildcard('*')] },
      { scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [wildcard('prod/*')] },
    ],
  };
  const basic: RegistryScanningConfiguration = { scanType: 'BASIC', rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [wildcard('ci-*')] }] };
  const cases: [string, RegistryScanningConfiguration, string, boolean, { scanType: string; scanFrequency: string; scanOnPush: boolean; filters: string[] }][] = [
    ['the default, scanOnPush off', DEFAULT_SCANNING, 'app', false, { scanType: 'BASIC', scanFrequency: 'MANUAL', scanOnPush: false, filters: [] }],
    ['the default, scanOnPush on', DEFAULT_SCANNING, 'app', true, { scanType: 'BASIC', scanFrequency: 'SCAN_ON_PUSH', scanOnPush: true, filters: [] }],
    ['basic rule matches', basic, 'ci-build', false, { scanType: 'BASIC', scanFrequency: 'SCAN_ON_PUSH', scanOnPush: true, filters: ['ci-*'] }],
    ['basic rule misses, repository scanOnPush decides', basic, 'app', true, { scanType: 'BASIC', scanFrequency: 'SCAN_ON_PUSH', scanOnPush: true, filters: [] }],
    ['basic rule misses, manual', basic, 'app', false, { scanType: 'BASIC', scanFrequency: 'MANUAL', scanOnPush: false, filters: [] }],
    ['continuous wins over on-push', enhanced, 'prod/api', false, { scanType: 'ENHANCED', scanFrequency: 'CONTINUOUS_SCAN', scanOnPush: true, filters: ['prod/*'] }],
    ['enhanced on-push elsewhere', enhanced, 'dev/api', false, { scanType: 'ENHANCED', scanFrequency: 'SCAN_ON_PUSH', scanOnPush: true, filters: ['*'] }],
    [
      'enhanced ignores the repository flag',
      { scanType: 'ENHANCED', rules: [] },
      'app',
      true,
      { scanType: 'ENHANCED', scanFrequency: 'MANUAL', scanOnPush: false, filters: [] },
    ],
  ];
  for (const [name, configuration, repository, flag, expected] of cases) {
    it(name, () => {
      const got = effectiveScanning(configuration, repository, flag);
      assert.deepEqual(
        { scanType: got.scanType, scanFrequency: got.scanFrequency, scanOnPush: got.scanOnPush, filters: got.appliedScanFilters.map((f) => f.filter) },
        expected,
      );
    });
  }
});

describe('PutRegistryScanningConfiguration validation', () => {
  const refused: [string, object, RegExp][] = [
    ['an unknown scan type', { scanType: 'DEEP' }, /scanType/],
    ['three rules', { scanType: 'ENHANCED', rules: [1, 2, 3].map(() => ({ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [wildcard('*')] })) }, /less than or equal to 2/],
    ['continuous with basic', { scanType: 'BASIC', rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [wildcard('*')] }] }, /ENHANCED/],
    ['no filters', { scanType: 'ENHANCED', rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [] }] }, /filters/],
    ['an invalid filter', { scanType: 'ENHANCED', rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [wildcard('Bad Name')] }] }, /must match/],
    ['another filter type', { scanType: 'ENHANCED', rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: 'a', filterType: 'REGEX' }] }] }, /WILDCARD/],
    ['an unknown frequency', { scanType: 'ENHANCED', rules: [{ scanFrequency: 'HOURLY', repositoryFilters: [wildcard('*')] }] }, /scanFrequency/],
  ];
  for (const [name, input, message] of refused) {
    it(`refuses ${name}`, () => assert.throws(() => parseRegistryScanningConfiguration(input), (e: Error) => e instanceof ScanningConfigurationError && message.test(e.message)));
  }
  it('accepts ECR\'s example and defaults to BASIC with no rules', () => {
    const input = { scanType: 'ENHANCED', rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [wildcard('prod*')] }] };
    assert.deepEqual(parseRegistryScanningConfiguration(input), input);
    assert.deepEqual(parseRegistryScanningConfiguration({}), DEFAULT_SCANNING);
  });
});
