// Table for matchesWildcard: `*` any run (across `/` and `:`), `?` exactly one character.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchesWildcard } from '../../../src/iam/policy/index.js';

describe('matchesWildcard', () => {
  const CASES: [pattern: string, value: string, caseInsensitive: boolean, expected: boolean][] = [
    ['*', '', false, true],
    ['*', 'arn:aws:ecr:us-east-1:123456789012:repository/a/b', false, true],
    ['', '', false, true],
    ['', 'a', false, false],
    ['abc', 'abc', false, true],
    ['abc', 'abcd', false, false],
    ['a?c', 'abc', false, true],
    ['a?c', 'ac', false, false],
    ['a?c', 'abbc', false, false],
    ['?', '', false, false],
    ['ecr:Get*', 'ecr:GetAuthorizationToken', false, true],
    ['ecr:Get*', 'ecr:BatchGetImage', false, false],
    ['ecr:get*', 'ecr:GetDownloadUrlForLayer', true, true],
    ['ecr:get*', 'ecr:GetDownloadUrlForLayer', false, false],
    ['ECR:*', 'ecr:PutImage', true, true],
    ['*/app', 'team/sub/app', false, true],
    ['arn:*:repository/x', 'arn:aws:ecr:us-east-1:1:repository/x', false, true],
    ['a*b*c', 'aXXbYYc', false, true],
    ['a*b*c', 'aXXbYY', false, false],
    ['a**b', 'ab', false, true],
    ['*ab', 'aab', false, true],
    ['a*ab', 'aab', false, true],
    ['*x*y*z', 'xxyyzz', false, true],
    ['*x*y*z', 'xxyyz', false, true],
    ['*x*y*z', 'zyx', false, false],
    ['caf?', 'café', false, true],
    ['?', '😀', false, true],
    ['abc', 'a?c', false, false],
    ['a?c', 'a?c', false, true],
    ['repo-?', 'REPO-1', true, true],
    ['*?', '😀', false, true],
    ['a*?b', 'a😀😀b', false, true],
    ['a*b', 'a😀', false, false],
    ['??', '😀', false, false],
    ['*:*', 'no-colon', false, false],
  ];
  for (const [pattern, value, caseInsensitive, expected] of CASES) {
    it(`${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(value)}${caseInsensitive ? ' (ignoring case)' : ''}`, () => {
      assert.equal(matchesWildcard(pattern, value, caseInsensitive), expected);
    });
  }

  it('stays fast on patterns that make a backtracking regex explode', () => {
    const started = performance.now();
    assert.equal(matchesWildcard('a*a*a*a*a*a*a*a*b', 'a'.repeat(20_000), false), false);
    assert.ok(performance.now() - started < 500);
  });
});
