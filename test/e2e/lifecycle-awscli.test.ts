// Lifecycle policies through Debian's AWS CLI v2: put, get, preview (start, wait, get with the
// CLI's own paging and a tag-status filter), `wharf lifecycle run`, then list-images shows what
// was kept, and delete-lifecycle-policy. Images are pushed over /v2/ and then aged in the server's
// database (sqlite3 tool, or pg in the PostgreSQL pass), as the integration suite does.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

import { postgresFor, runWharf } from '../helpers/server.js';
import { basicAuth, Registry } from '../integration/client.js';
import { describeRun, onPath, run } from './client-tools.js';
import { HAVE_AWS_CLI, makeAwsCli, serverLogTail, startIamWharf, type AwsCli, type IamServer } from './iam-helpers.js';

const SKIP = !HAVE_AWS_CLI ? 'needs /usr/bin/aws (Debian awscli)' : false;
const DAY = 86_400_000;

/** Moves push times into the past: digest -> age in days. */
async function age(dataDir: string, repository: string, ages: Map<string, number>, now: number): Promise<void> {
  const sql = `BEGIN; ${[...ages].map(([digest, days]) => `UPDATE manifests SET pushed_at = ${Math.round(now - days * DAY)} WHERE repository = '${repository}' AND digest = '${digest}';`).join(' ')} COMMIT;`;
  const url = await postgresFor(dataDir);
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
    return;
  }
  const result = await run('sqlite3', ['-cmd', '.timeout 10000', join(dataDir, 'wharf.db'), sql]);
  assert.equal(result.code, 0, describeRun(result));
}

interface PreviewResult {
  imageTags: string[];
  imageDigest: string;
  imagePushedAt: string;
  action: { type: string };
  appliedRulePriority: number;
}

interface Preview {
  registryId: string;
  repositoryName: string;
  lifecyclePolicyText: string;
  status: string;
  previewResults: PreviewResult[];
  summary: { expiringImageTotalCount: number };
}

describe('e2e: lifecycle policies with the AWS CLI', { skip: SKIP || (!onPath('sqlite3') && !process.env.WHARF_TEST_POSTGRES ? 'needs the sqlite3 tool' : false), timeout: 180_000 }, () => {
  let iam: IamServer;
  let aws: AwsCli;
  let workDir: string;

  before(async () => {
    iam = await startIamWharf();
    workDir = mkdtempSync(join(tmpdir(), 'wharf-e2e-lifecycle-'));
    aws = makeAwsCli(iam.server, workDir);
  });

  after(async () => {
    await iam?.server.dispose();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('puts a policy, previews it, runs it, and deletes it', async () => {
    const { admin, server } = iam;
    const repo = 'lifecycle/app';
    await aws.json(admin, ['ecr', 'create-repository', '--repository-name', repo]);

    // Six images: four tagged app-N, two untagged.
    const registry = new Registry(server.url, basicAuth(admin.accessKeyId, admin.secretAccessKey));
    const specs = [
      { name: 'app-1', tag: 'app-1', days: 40 },
      { name: 'app-2', tag: 'app-2', days: 30 },
      { name: 'app-3', tag: 'app-3', days: 20 },
      { name: 'app-4', tag: 'app-4', days: 1 },
      { name: 'old-untagged', tag: undefined, days: 20 },
      { name: 'new-untagged', tag: undefined, days: 1 },
    ];
    const digests = new Map<string, string>();
    for (const spec of specs) digests.set(spec.name, (await registry.pushImage(repo, spec.tag)).descriptor.digest);
    const now = Date.now();
    await age(server.dataDir, repo, new Map(specs.map((s) => [digests.get(s.name)!, s.days])), now);

    const policy = {
      rules: [
        { rulePriority: 1, description: 'keep two app images', selection: { tagStatus: 'tagged', tagPrefixList: ['app'], countType: 'imageCountMoreThan', countNumber: 2 }, action: { type: 'expire' } },
        { rulePriority: 2, description: 'untagged after two weeks', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } },
      ],
    };
    const policyFile = join(workDir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify(policy, null, 4) + '\n');
    const canonical = JSON.stringify(policy);

    const put = await aws.json<{ registryId: string; repositoryName: string; lifecyclePolicyText: string }>(admin, [
      'ecr', 'put-lifecycle-policy', '--repository-name', repo, '--lifecycle-policy-text', `file://${policyFile}`,
    ]);
    assert.deepEqual(put, { registryId: admin.registryId, repositoryName: repo, lifecyclePolicyText: canonical });
    const got = await aws.json<{ lifecyclePolicyText: string; lastEvaluatedAt: string }>(admin, ['ecr', 'get-lifecycle-policy', '--repository-name', repo]);
    assert.equal(got.lifecyclePolicyText, canonical);
    assert.equal(Date.parse(got.lastEvaluatedAt), 0, `never evaluated: ${got.lastEvaluatedAt}`);

    const started = await aws.json<{ status: string; lifecyclePolicyText: string }>(admin, ['ecr', 'start-lifecycle-policy-preview', '--repository-name', repo]);
    assert.equal(started.status, 'IN_PROGRESS');
    assert.equal(started.lifecyclePolicyText, canonical);
    const waited = await aws.run(admin, ['ecr', 'wait', 'lifecycle-policy-preview-complete', '--repository-name', repo]);
    assert.equal(waited.code, 0, describeRun(waited, serverLogTail(server)));

    // --page-size 1: the CLI follows nextToken page by page and prints one merged answer.
    const previewCalls = () => server.output().split('\n').filter((line) => line.includes('"operation":"GetLifecyclePolicyPreview"')).length;
    const callsBefore = previewCalls();
    const preview = await aws.json<Preview>(admin, ['ecr', 'get-lifecycle-policy-preview', '--repository-name', repo, '--page-size', '1']);
    assert.equal(previewCalls() - callsBefore, 3, 'one request per page');
    assert.equal(preview.status, 'COMPLETE');
    assert.equal(preview.repositoryName, repo);
    assert.equal(preview.registryId, admin.registryId);
    assert.deepEqual(preview.summary, { expiringImageTotalCount: 3 });
    const expected = [
      { name: 'app-1', tags: ['app-1'], priority: 1 },
      { name: 'app-2', tags: ['app-2'], priority: 1 },
      { name: 'old-untagged', tags: [], priority: 2 },
    ];
    assert.deepEqual(
      preview.previewResults.map((r) => ({ digest: r.imageDigest, tags: r.imageTags, action: r.action.type, priority: r.appliedRulePriority })),
      expected.map((e) => ({ digest: digests.get(e.name), tags: e.tags, action: 'EXPIRE', priority: e.priority })),
    );
    const app1 = preview.previewResults[0]!;
    assert.ok(Math.abs(Date.parse(app1.imagePushedAt) - (now - 40 * DAY)) < 2000, `imagePushedAt ${app1.imagePushedAt}`);

    const untagged = await aws.json<Preview>(admin, ['ecr', 'get-lifecycle-policy-preview', '--repository-name', repo, '--filter', 'tagStatus=UNTAGGED']);
    assert.deepEqual(untagged.previewResults.map((r) => r.imageDigest), [digests.get('old-untagged')]);
    const one = await aws.json<Preview>(admin, ['ecr', 'get-lifecycle-policy-preview', '--repository-name', repo, '--image-ids', 'imageTag=app-2']);
    assert.deepEqual(one.previewResults.map((r) => r.imageDigest), [digests.get('app-2')]);

    const ran = await runWharf(server.dataDir, ['lifecycle', 'run', '--repository', repo]);
    assert.equal(ran.code, 0, ran.stderr);
    const report = JSON.parse(ran.stdout) as { expiredImageCount: number; repositories: { expired: { imageDigest: string }[] }[] };
    assert.equal(report.expiredImageCount, 3);

    const listed = await aws.json<{ imageIds: { imageDigest: string; imageTag?: string }[] }>(admin, ['ecr', 'list-images', '--repository-name', repo]);
    const sort = (ids: { imageDigest: string; imageTag?: string }[]) => [...ids].sort((a, b) => `${a.imageDigest}${a.imageTag}`.localeCompare(`${b.imageDigest}${b.imageTag}`));
    assert.deepEqual(
      sort(listed.imageIds),
      sort([
        { imageDigest: digests.get('app-3')!, imageTag: 'app-3' },
        { imageDigest: digests.get('app-4')!, imageTag: 'app-4' },
        { imageDigest: digests.get('new-untagged')! },
      ]),
    );
    const evaluated = await aws.json<{ lastEvaluatedAt: string }>(admin, ['ecr', 'get-lifecycle-policy', '--repository-name', repo]);
    assert.ok(Math.abs(Date.parse(evaluated.lastEvaluatedAt) - Date.now()) < 60_000, `lastEvaluatedAt ${evaluated.lastEvaluatedAt}`);

    await aws.fails(admin, ['ecr', 'put-lifecycle-policy', '--repository-name', repo, '--lifecycle-policy-text', JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }] })], 'InvalidParameterException');
    const deleted = await aws.json<{ lifecyclePolicyText: string; lastEvaluatedAt: string }>(admin, ['ecr', 'delete-lifecycle-policy', '--repository-name', repo]);
    assert.equal(deleted.lifecyclePolicyText, canonical);
    assert.equal(deleted.lastEvaluatedAt, evaluated.lastEvaluatedAt);
    await aws.fails(admin, ['ecr', 'get-lifecycle-policy', '--repository-name', repo], 'LifecyclePolicyNotFoundException');
    await aws.fails(admin, ['ecr', 'start-lifecycle-policy-preview', '--repository-name', repo], 'LifecyclePolicyNotFoundException');
  });
});
