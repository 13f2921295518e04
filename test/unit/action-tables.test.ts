// Every operation on every front door declares the IAM action it needs, in one table per door.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ECR_OPERATIONS } from '../../src/ecr/operations.js';
import { IAM_OPERATIONS } from '../../src/iam-api/iam-operations.js';
import { STS_OPERATIONS } from '../../src/iam-api/sts-operations.js';

describe('IAM action tables', () => {
  // IAM has no ecr:ListImageReferrers: listing referrers is a pull (shared/reference/ecr-api.md 6.2,
  // and the same action /v2/<name>/referrers/ needs).
  const DOCUMENTED_EXCEPTIONS: Record<string, string> = { ListImageReferrers: 'ecr:BatchGetImage' };

  it('maps every ECR operation to the ecr: action of the same name, or its documented one', () => {
    assert.ok(Object.keys(ECR_OPERATIONS).length > 0);
    for (const [name, operation] of Object.entries(ECR_OPERATIONS)) {
      const expected = DOCUMENTED_EXCEPTIONS[name] ?? `ecr:${name}`;
      assert.equal(operation.action, expected, `${name} must need ${expected}`);
      assert.equal(typeof operation.repository, 'function', `${name} must say which repository its action applies to`);
    }
  });

  it('maps every IAM operation to the iam: action of the same name', () => {
    for (const [name, operation] of Object.entries(IAM_OPERATIONS)) {
      assert.equal(operation.action, `iam:${name}`, `${name} must need iam:${name}`);
    }
  });

  it('lets only the STS calls that check their own permission run without an action', () => {
    // AssumeRole is decided by the role's trust policy; GetCallerIdentity needs no permission (as in AWS).
    assert.deepEqual(
      Object.entries(STS_OPERATIONS).filter(([, op]) => op.action === null).map(([name]) => name).sort(),
      ['AssumeRole', 'GetCallerIdentity'],
    );
  });
});
