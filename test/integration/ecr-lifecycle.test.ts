// Lifecycle policies end to end: Put/Get/DeleteLifecyclePolicy and Start/GetLifecyclePolicyPreview
// through @aws-sdk/client-ecr against a real server with authentication on, then `wharf lifecycle
// run` (dry and real) over 30 images of assorted tags and ages, checked from the outside: what the
// preview lists, what still pulls byte for byte, what is gone, and the events and audit rows.
//
// Ages: images are pushed for real (the server's clock stamps them), then their manifests.pushed_at
// is moved into the past in the server's database from here: with the sqlite3 command-line tool on
// DATA_DIR/wharf.db (better-sqlite3 is not opened in this process: on Node 24 it can abort the
// process at exit), or with pg on the PostgreSQL database of the PostgreSQL pass.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateRepositoryCommand,
  DeleteLifecyclePolicyCommand,
  DescribeImagesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  GetLifecyclePolicyPreviewCommand,
  PutLifecyclePolicyCommand,
  StartLifecyclePolicyPreviewCommand,
  paginateGetLifecyclePolicyPreview,
  waitUntilLifecyclePolicyPreviewComplete,
  type LifecyclePolicyPreviewResult,
} from '@aws-sdk/client-ecr';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { runWharf, startWharf, type WharfProcess } from '../helpers/server.js';
import { readAdminCredentials, type AdminCredentials } from '../helpers/credentials.js';
import { queryMeta } from '../helpers/meta-query.js';
import { LifecyclePolicyError, lifecycleJobHandlers, lifecycleJobKey, type LifecycleRunReport } from '../../src/lifecycle/index.js';
import { RegistryError } from '../../src/registry/index.js';
import {
  EMPTY_JSON,
  MT,
  Registry,
  assertNoViolations,
  basicAuth,
  expectError,
  expectStatus,
  imageIndex,
  imageManifest,
  manifestBytes,
  randomBlob,
  sha256,
  uniqueName,
  type Descriptor,
} from './client.js';

const DAY = 86_400_000;


let srv: WharfProcess;
let admin: AdminCredentials;
let ecr: ECRClient;
let registry: Registry;


const ecrClient = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
  new ECRClient({ endpoint: srv.url, region: 'us-east-1', credentials, maxAttempts: 1 });

before(async () => {
  srv = await startWharf({ anonymous: false });
  admin = await readAdminCredentials(srv.dataDir);
  ecr = ecrClient(admin);
  registry = new Registry(srv.url, basicAuth(admin.accessKeyId, admin.secretAccessKey));
});

after(async () => {
  ecr?.destroy();
  await srv?.dispose();
  assertNoViolations();
});

// ---- helpers --------------------------------------------------------------------------------------

async function rejectsWith(promise: Promise<unknown>, name: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
    assert.equal(error.$metadata?.httpStatusCode, 400);
    if (message) assert.match(error.message, message);
    return true;
  });
}

const query = queryMeta;

const literal = (value: string): string => {
  assert.match(value, /^[A-Za-z0-9:./_@-]+$/, 'only simple literals are put into SQL here');
  return `'${value}'`;
};

/** Moves each image's push time into the past, as if it had been pushed `ageDays` ago. */
async function age(dataDir: string, repository: string, ages: Map<string, number>, now: number): Promise<void> {
  const statements = [...ages].map(
    ([digest, days]) => `UPDATE manifests SET pushed_at = ${Math.round(now - days * DAY)} WHERE repository = ${literal(repository)} AND digest = ${literal(digest)};`,
  );
  await query(dataDir, `BEGIN; ${statements.join(' ')} COMMIT;`);
}

/** `wharf lifecycle run ARGS`, on the server's data directory and database. */
async function lifecycleRun(dataDir: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runWharf(dataDir, ['lifecycle', 'run', ...args]);
}

interface RunOutput {
  dryRun: boolean;
  expiredImageCount: number;
  repositories: { repository: string; hasPolicy: boolean; expired: { imageDigest: string; imageTags: string[]; imagePushedAt: string; appliedRulePriority: number; subjectDigest?: string }[]; skipped: unknown[] }[];
}

async function lifecycleRunJson(dataDir: string, args: string[]): Promise<RunOutput> {
  const result = await lifecycleRun(dataDir, args);
  assert.equal(result.code, 0, `wharf lifecycle run ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout) as RunOutput;
}

const policyText = (rules: object[], space?: number) => JSON.stringify({ rules }, null, space);

const UNTAGGED_OLD = { rulePriority: 1, description: 'untagged images older than two weeks', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } };

// ---- the policy itself ----------------------------------------------------------------------------

describe('Put/Get/DeleteLifecyclePolicy', () => {
  it('stores the canonical text, reads it back and deletes it', async () => {
    const name = uniqueName('lc-policy');
    await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    // Keys out of the template's order, indented: stored and returned compact and in order.
    const given = JSON.stringify(
      { rules: [{ action: { type: 'expire' }, selection: { countNumber: 14, countUnit: 'days', countType: 'sinceImagePushed', tagStatus: 'untagged' }, description: 'untagged images older than two weeks', rulePriority: 1 }] },
      null,
      4,
    );
    const canonical = policyText([UNTAGGED_OLD]);
    const put = await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText: given, registryId: admin.registryId }));
    assert.equal(put.registryId, admin.registryId);
    assert.equal(put.repositoryName, name);
    assert.equal(put.lifecyclePolicyText, canonical);

    const got = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: name }));
    assert.equal(got.registryId, admin.registryId);
    assert.equal(got.repositoryName, name);
    assert.equal(got.lifecyclePolicyText, canonical);
    assert.equal(got.lastEvaluatedAt?.getTime(), 0, 'never evaluated: 0, as ECR answers');

    // Putting again replaces it.
    const keepFive = policyText([{ rulePriority: 3, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } }]);
    assert.equal((await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText: keepFive }))).lifecyclePolicyText, keepFive);

    const deleted = await ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: name }));
    assert.equal(deleted.repositoryName, name);
    assert.equal(deleted.lifecyclePolicyText, keepFive);
    assert.equal(deleted.lastEvaluatedAt?.getTime(), 0);
    await rejectsWith(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: name })), 'LifecyclePolicyNotFoundException', new RegExp(`'${name}'`));
    await rejectsWith(ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: name })), 'LifecyclePolicyNotFoundException');
  });

  it('refuses invalid policies with ECR\'s messages, and unknown repositories', async () => {
    const name = uniqueName('lc-invalid');
    await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    const put = (text: string) => ecr.send(new PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText: text }));
    await rejectsWith(put('{"rules":[]}'), 'InvalidParameterException', /'lifecyclePolicyText' failed to satisfy constraint: 'must have length greater than or equal to 100'/);
    await rejectsWith(put(`not json ${' '.repeat(100)}`), 'InvalidParameterException', /Lifecycle policy validation failure: Could not map policyString/);
    await rejectsWith(
      put(policyText([{ rulePriority: 1, selection: { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }])),
      'InvalidParameterException',
      /Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED/,
    );
    await rejectsWith(
      put(policyText([{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire', targetStorageClass: null } }])),
      'InvalidParameterException',
      /targetStorageClass/,
    );
    await rejectsWith(
      put(policyText([{ ...UNTAGGED_OLD, rulePriority: 2 }, { rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 9 }, action: { type: 'expire' } }])),
      'InvalidParameterException',
      /tagStatus=ANY must have the lowest priority/,
    );
    await rejectsWith(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: name })), 'LifecyclePolicyNotFoundException', undefined);

    const missing = uniqueName('lc-missing');
    await rejectsWith(ecr.send(new PutLifecyclePolicyCommand({ repositoryName: missing, lifecyclePolicyText: policyText([UNTAGGED_OLD]) })), 'RepositoryNotFoundException', new RegExp(`'${missing}'`));
    await rejectsWith(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: missing })), 'RepositoryNotFoundException');
    await rejectsWith(ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: missing })), 'RepositoryNotFoundException');
    await rejectsWith(ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: missing })), 'RepositoryNotFoundException');
    await rejectsWith(ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: missing })), 'RepositoryNotFoundException');
    await rejectsWith(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'Bad_Name' })), 'InvalidParameterException');
    await rejectsWith(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: name, registryId: '12' })), 'InvalidParameterException');
  });

  it('previews need a policy, and there is no preview before the first start', async () => {
    const name = uniqueName('lc-nopreview');
    await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    await rejectsWith(ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: name })), 'LifecyclePolicyNotFoundException');
    await rejectsWith(ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: name })), 'LifecyclePolicyPreviewNotFoundException');
    await rejectsWith(ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: name, lifecyclePolicyText: '{"rules":"no"}' })), 'InvalidParameterException');
    await rejectsWith(ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: name })), 'LifecyclePolicyPreviewNotFoundException', undefined);
  });

  it('needs the operations\' own IAM actions', async () => {
    const iam = new IAMClient({ endpoint: srv.url, region: 'us-east-1', credentials: admin, maxAttempts: 1 });
    const name = uniqueName('lc-iam');
    await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText: policyText([UNTAGGED_OLD]) }));
    try {
      const userName = uniqueName('lc-reader');
      await iam.send(new CreateUserCommand({ UserName: userName }));
      await iam.send(new PutUserPolicyCommand({
        UserName: userName,
        PolicyName: 'read-lifecycle',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ecr:GetLifecyclePolicy', 'ecr:GetLifecyclePolicyPreview'], Resource: '*' }] }),
      }));
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
      const reader = ecrClient({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
      try {
        assert.equal((await reader.send(new GetLifecyclePolicyCommand({ repositoryName: name }))).lifecyclePolicyText, policyText([UNTAGGED_OLD]));
        // Each call is made only when its rejection is awaited, so none is left unhandled meanwhile.
        const denied: [string, () => Promise<unknown>][] = [
          ['PutLifecyclePolicy', () => reader.send(new PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText: policyText([UNTAGGED_OLD]) }))],
          ['DeleteLifecyclePolicy', () => reader.send(new DeleteLifecyclePolicyCommand({ repositoryName: name }))],
          ['StartLifecyclePolicyPreview', () => reader.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: name }))],
        ];
        for (const [action, call] of denied) {
          await assert.rejects(call(), (error: Error) => {
            assert.equal(error.name, 'AccessDeniedException');
            assert.match(error.message, new RegExp(`not authorized to perform: ecr:${action} on resource: .*repository/${name}`));
            return true;
          });
        }
      } finally {
        reader.destroy();
      }
    } finally {
      iam.destroy();
    }
  });
});

// ---- a repository of 30 images ------------------------------------------------------------------

interface ImageSpec {
  name: string;
  tags: string[];
  ageDays: number;
  /** Untagged child of the index `multi`. */
  child?: boolean;
  index?: boolean;
}

/**
 * Thirty images. The policy below expires (rule priority in brackets):
 *  1 tagged `prod*` prefix, keep the 3 newest -> prod-4, prod-3, prod-2, prod-1          [1]
 *  2 untagged older than 7 days              -> u-8d, u-10d, u-31d (not the index children) [2]
 *  3 tagged `dev-*` pattern, older than 14 d -> dev-4, dev-5, dev-6                       [3]
 * 10 any, keep 20 newest (ranking all 30; only images no earlier rule selected can go)
 *                                             -> release-5 .. release-8                    [10]
 */
const SPECS: ImageSpec[] = [
  { name: 'prod-1', tags: ['prod-1'], ageDays: 60 },
  { name: 'prod-2', tags: ['prod-2'], ageDays: 50 },
  { name: 'prod-3', tags: ['prod-3'], ageDays: 40 },
  { name: 'prod-4', tags: ['prod-4'], ageDays: 35 },
  { name: 'prod-5', tags: ['prod-5'], ageDays: 22 },
  { name: 'prod-6', tags: ['prod-6'], ageDays: 11 },
  { name: 'prod-7', tags: ['latest', 'prod-7'], ageDays: 5 },
  { name: 'u-1d', tags: [], ageDays: 1 },
  { name: 'u-3d', tags: [], ageDays: 3 },
  { name: 'u-6d', tags: [], ageDays: 6 },
  { name: 'u-8d', tags: [], ageDays: 8 },
  { name: 'u-10d', tags: [], ageDays: 10 },
  { name: 'u-31d', tags: [], ageDays: 31 },
  { name: 'child-amd64', tags: [], ageDays: 41, child: true },
  { name: 'child-arm64', tags: [], ageDays: 42, child: true },
  { name: 'multi', tags: ['multi'], ageDays: 2, index: true },
  { name: 'dev-1', tags: ['dev-1'], ageDays: 2.5 },
  { name: 'dev-2', tags: ['dev-2'], ageDays: 5.5 },
  { name: 'dev-3', tags: ['dev-3'], ageDays: 13 },
  { name: 'dev-4', tags: ['dev-4'], ageDays: 15 },
  { name: 'dev-5', tags: ['dev-5'], ageDays: 21 },
  { name: 'dev-6', tags: ['dev-6'], ageDays: 100 },
  { name: 'release-1', tags: ['release-1'], ageDays: 0.5 },
  { name: 'release-2', tags: ['release-2'], ageDays: 4 },
  { name: 'release-3', tags: ['release-3'], ageDays: 9 },
  { name: 'release-4', tags: ['release-4'], ageDays: 25 },
  { name: 'release-5', tags: ['release-5'], ageDays: 45 },
  { name: 'release-6', tags: ['release-6'], ageDays: 70 },
  { name: 'release-7', tags: ['release-7'], ageDays: 80 },
  { name: 'release-8', tags: ['release-8'], ageDays: 90 },
];

const EXPECTED_EXPIRED: Record<string, number> = {
  'prod-1': 1, 'prod-2': 1, 'prod-3': 1, 'prod-4': 1,
  'u-8d': 2, 'u-10d': 2, 'u-31d': 2,
  'dev-4': 3, 'dev-5': 3, 'dev-6': 3,
  'release-5': 10, 'release-6': 10, 'release-7': 10, 'release-8': 10,
};

const POLICY = [
  { rulePriority: 1, description: 'keep the three newest prod images', selection: { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 3 }, action: { type: 'expire' } },
  { rulePriority: 2, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } },
  { rulePriority: 3, selection: { tagStatus: 'tagged', tagPatternList: ['dev-*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } },
  { rulePriority: 10, description: 'at most 20 images', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 20 }, action: { type: 'expire' } },
];

interface Pushed {
  spec: ImageSpec;
  digest: string;
  mediaType: string;
  bytes: Buffer;
  /** Blobs the manifest references, with their bytes (none for the index). */
  blobs: { digest: string; bytes: Buffer }[];
  pushedAt: number;
}

describe('a policy over 30 images: preview, dry run, run', () => {
  let repo: string;
  const images = new Map<string, Pushed>();
  /** Referrers (signatures): one of a kept image, one of an expired one. */
  let keptSignature: Pushed;
  let expiredSignature: Pushed;
  let t0: number;
  const byDigest = (digest: string) => [...images.values(), keptSignature, expiredSignature].find((p) => p.digest === digest)?.spec.name ?? digest;
  const expectedOldestFirst = () =>
    SPECS.filter((s) => EXPECTED_EXPIRED[s.name] !== undefined)
      .sort((a, b) => b.ageDays - a.ageDays)
      .map((s) => s.name);

  async function pushImage(spec: ImageSpec): Promise<Pushed> {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { name: spec.name } }, rootfs: { type: 'layers', diff_ids: [] } }));
    const layer = randomBlob(200);
    const configDescriptor = await registry.pushBlob(repo, config);
    const layerDescriptor = await registry.pushBlob(repo, layer);
    const manifest = imageManifest({ config: { ...configDescriptor, mediaType: MT.ociConfig }, layers: [{ ...layerDescriptor, mediaType: MT.ociLayer }] });
    const bytes = manifestBytes(manifest);
    const [first, ...more] = spec.tags;
    const pushed = await registry.pushManifest(repo, first ?? sha256(bytes), bytes, MT.ociManifest);
    for (const tag of more) await registry.pushManifest(repo, tag, bytes, MT.ociManifest);
    return { spec, digest: pushed.digest, mediaType: MT.ociManifest, bytes, blobs: [{ digest: configDescriptor.digest, bytes: config }, { digest: layerDescriptor.digest, bytes: layer }], pushedAt: 0 };
  }

  async function pushSignature(name: string, subject: Pushed, ageDays: number): Promise<Pushed> {
    const empty = await registry.pushBlob(repo, EMPTY_JSON);
    const signature = Buffer.from(`signature of ${subject.digest}`);
    const layer = await registry.pushBlob(repo, signature);
    const subjectDescriptor: Descriptor = { mediaType: subject.mediaType, digest: subject.digest, size: subject.bytes.length };
    const manifest = imageManifest({
      artifactType: 'application/vnd.example.signature',
      config: { ...empty, mediaType: MT.empty },
      layers: [{ ...layer, mediaType: 'application/vnd.example.signature.v1' }],
      subject: subjectDescriptor,
    });
    const bytes = manifestBytes(manifest);
    const pushed = await registry.pushManifest(repo, sha256(bytes), bytes, MT.ociManifest);
    return { spec: { name, tags: [], ageDays }, digest: pushed.digest, mediaType: MT.ociManifest, bytes, blobs: [{ digest: empty.digest, bytes: EMPTY_JSON }, { digest: layer.digest, bytes: signature }], pushedAt: 0 };
  }

  before(async () => {
    repo = uniqueName('lc-30');
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    for (const spec of SPECS.filter((s) => !s.index)) images.set(spec.name, await pushImage(spec));
    const index = SPECS.find((s) => s.index)!;
    const children = SPECS.filter((s) => s.child).map((s) => images.get(s.name)!);
    const indexBytes = manifestBytes(imageIndex({ manifests: children.map((c) => ({ mediaType: c.mediaType, digest: c.digest, size: c.bytes.length })) }));
    const pushedIndex = await registry.pushManifest(repo, index.tags[0]!, indexBytes, MT.ociIndex);
    images.set(index.name, { spec: index, digest: pushedIndex.digest, mediaType: MT.ociIndex, bytes: indexBytes, blobs: [], pushedAt: 0 });
    keptSignature = await pushSignature('sig-of-prod-7', images.get('prod-7')!, 50);
    expiredSignature = await pushSignature('sig-of-prod-1', images.get('prod-1')!, 1);
    assert.equal(images.size, 30);

    t0 = Date.now();
    const ages = new Map<string, number>();
    for (const p of [...images.values(), keptSignature, expiredSignature]) {
      ages.set(p.digest, p.spec.ageDays);
      p.pushedAt = Math.round(t0 - p.spec.ageDays * DAY);
    }
    await age(srv.dataDir, repo, ages, t0);
    const described = await ecr.send(new DescribeImagesCommand({ repositoryName: repo, imageIds: [{ imageTag: 'prod-1' }] }));
    assert.equal(described.imageDetails?.[0]?.imagePushedAt?.getTime(), images.get('prod-1')!.pushedAt, 'push times moved into the past');

    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: repo, lifecyclePolicyText: policyText(POLICY, 2) }));
  });

  it('previews exactly the images the policy expires, with paging and filters', async () => {
    const started = await ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: repo }));
    assert.equal(started.status, 'IN_PROGRESS');
    assert.equal(started.registryId, admin.registryId);
    assert.equal(started.repositoryName, repo);
    assert.equal(started.lifecyclePolicyText, policyText(POLICY), 'the stored (canonical) policy');

    const waited = await waitUntilLifecyclePolicyPreviewComplete({ client: ecr, maxWaitTime: 30, minDelay: 1 }, { repositoryName: repo });
    assert.equal(waited.state, 'SUCCESS');

    // One page of everything: oldest first, each with the rule that expires it.
    const all = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: repo }));
    assert.equal(all.status, 'COMPLETE');
    assert.equal(all.registryId, admin.registryId);
    assert.equal(all.repositoryName, repo);
    assert.equal(all.lifecyclePolicyText, policyText(POLICY));
    assert.equal(all.nextToken, undefined);
    assert.deepEqual(all.summary, { expiringImageTotalCount: 14 });
    const results = all.previewResults!;
    assert.deepEqual(results.map((r) => byDigest(r.imageDigest!)), expectedOldestFirst());
    for (const r of results) {
      const pushed = images.get(byDigest(r.imageDigest!))!;
      assert.deepEqual(r, {
        imageTags: [...pushed.spec.tags].sort(),
        imageDigest: pushed.digest,
        imagePushedAt: new Date(pushed.pushedAt),
        action: { type: 'EXPIRE' },
        appliedRulePriority: EXPECTED_EXPIRED[pushed.spec.name],
        storageClass: 'STANDARD',
      } satisfies LifecyclePolicyPreviewResult);
    }

    // Pages of 5 through the SDK paginator: 5 + 5 + 4, the same results in the same order.
    const pages: LifecyclePolicyPreviewResult[][] = [];
    for await (const page of paginateGetLifecyclePolicyPreview({ client: ecr, pageSize: 5 }, { repositoryName: repo })) {
      pages.push(page.previewResults ?? []);
      assert.deepEqual(page.summary, { expiringImageTotalCount: 14 }, 'the summary counts the whole preview on every page');
    }
    assert.deepEqual(pages.map((p) => p.length), [5, 5, 4]);
    assert.deepEqual(pages.flat(), results);

    const untagged = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: repo, filter: { tagStatus: 'UNTAGGED' } }));
    assert.deepEqual(untagged.previewResults!.map((r) => byDigest(r.imageDigest!)), ['u-31d', 'u-10d', 'u-8d']);
    const tagged = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: repo, filter: { tagStatus: 'TAGGED' }, maxResults: 10 }));
    assert.equal(tagged.previewResults!.length, 10);
    const taggedRest = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: repo, filter: { tagStatus: 'TAGGED' }, maxResults: 10, nextToken: tagged.nextToken }));
    assert.deepEqual([...tagged.previewResults!, ...taggedRest.previewResults!].map((r) => byDigest(r.imageDigest!)), expectedOldestFirst().filter((n) => !n.startsWith('u-')));
    assert.equal(taggedRest.nextToken, undefined);
    // A token belongs to its filter.
    await rejectsWith(ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: repo, filter: { tagStatus: 'UNTAGGED' }, nextToken: tagged.nextToken })), 'InvalidParameterException', /nextToken/);

    const picked = await ecr.send(
      new GetLifecyclePolicyPreviewCommand({
        repositoryName: repo,
        imageIds: [{ imageTag: 'prod-2' }, { imageDigest: images.get('u-10d')!.digest }, { imageTag: 'prod-7' }, { imageTag: 'no-such-tag' }],
      }),
    );
    assert.deepEqual(picked.previewResults!.map((r) => byDigest(r.imageDigest!)), ['prod-2', 'u-10d'], 'kept images are not in the preview');

    const bad = { repositoryName: repo };
    await rejectsWith(ecr.send(new GetLifecyclePolicyPreviewCommand({ ...bad, maxResults: 0 })), 'InvalidParameterException');
    await rejectsWith(ecr.send(new GetLifecyclePolicyPreviewCommand({ ...bad, maxResults: 101 })), 'InvalidParameterException');
    await rejectsWith(ecr.send(new GetLifecyclePolicyPreviewCommand({ ...bad, nextToken: 'garbage!' })), 'InvalidParameterException');
    await rejectsWith(ecr.send(new GetLifecyclePolicyPreviewCommand({ ...bad, imageIds: [{ imageTag: 'prod-1' }], maxResults: 5 })), 'InvalidParameterException');
    await rejectsWith(ecr.send(new GetLifecyclePolicyPreviewCommand({ ...bad, imageIds: [{}] })), 'InvalidParameterException');
    await rejectsWith(ecr.send(new GetLifecyclePolicyPreviewCommand({ ...bad, filter: { tagStatus: 'SOME' as 'ANY' } })), 'InvalidParameterException');

    // A later preview replaces the earlier one, and its old page tokens stop working.
    const firstPage = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: repo, maxResults: 2 }));
    const onlyProd = policyText([POLICY[0]!]);
    const restarted = await ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: repo, lifecyclePolicyText: onlyProd }));
    assert.equal(restarted.lifecyclePolicyText, onlyProd);
    const prodOnly = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: repo }));
    assert.equal(prodOnly.lifecyclePolicyText, onlyProd);
    assert.deepEqual(prodOnly.previewResults!.map((r) => byDigest(r.imageDigest!)), ['prod-1', 'prod-2', 'prod-3', 'prod-4']);
    await rejectsWith(ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: repo, maxResults: 2, nextToken: firstPage.nextToken })), 'InvalidParameterException');
    assert.equal((await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: repo }))).lifecyclePolicyText, policyText(POLICY), 'a preview does not change the policy');

    // Starts racing each other: each is accepted or refused as in progress, never anything else.
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: repo }))));
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') assert.equal((outcome.reason as Error).name, 'LifecyclePolicyPreviewInProgressException');
    }
    assert.ok(outcomes.some((o) => o.status === 'fulfilled'));
    const settled = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: repo }));
    assert.equal(settled.status, 'COMPLETE');
    assert.equal(settled.previewResults!.length, 14);
  });

  it('`wharf lifecycle run --dry-run` prints them and deletes nothing', async () => {
    const out = await lifecycleRunJson(srv.dataDir, ['--dry-run', '--repository', repo]);
    assert.equal(out.dryRun, true);
    assert.equal(out.repositories.length, 1);
    const report = out.repositories[0]!;
    assert.equal(report.repository, repo);
    assert.equal(report.hasPolicy, true);
    const byRule = report.expired.filter((e) => e.subjectDigest === undefined);
    assert.deepEqual(byRule.map((e) => byDigest(e.imageDigest)), expectedOldestFirst());
    for (const e of byRule) {
      assert.equal(e.appliedRulePriority, EXPECTED_EXPIRED[byDigest(e.imageDigest)]);
      assert.equal(e.imagePushedAt, new Date(images.get(byDigest(e.imageDigest))!.pushedAt).toISOString());
    }
    // The signature of an expired image goes with it; the other signature (old, untagged) is not
    // an image the untagged rule selects.
    assert.deepEqual(report.expired.filter((e) => e.subjectDigest !== undefined), [
      { imageDigest: expiredSignature.digest, imageTags: [], imagePushedAt: new Date(expiredSignature.pushedAt).toISOString(), appliedRulePriority: 1, subjectDigest: images.get('prod-1')!.digest },
    ]);
    assert.equal(out.expiredImageCount, 15);

    const listed = await ecr.send(new DescribeImagesCommand({ repositoryName: repo, maxResults: 1000 }));
    assert.equal(listed.imageDetails!.length, 32, 'nothing was deleted');
    assert.equal((await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: repo }))).lastEvaluatedAt?.getTime(), 0, 'a dry run is not an evaluation');
  });

  it('`wharf lifecycle run` removes exactly them; the rest pulls byte for byte; events and audit rows record it', async () => {
    const before = Date.now();
    const outsideRepo = uniqueName('lc-untouched');
    const untouched = await registry.pushImage(outsideRepo, 'v1'); // a repository without a policy

    const out = await lifecycleRunJson(srv.dataDir, []); // every repository with a policy
    assert.equal(out.dryRun, false);
    const report = out.repositories.find((r) => r.repository === repo)!;
    assert.ok(report, `${repo} was run`);
    assert.ok(!out.repositories.some((r) => r.repository === outsideRepo), 'repositories without a policy are not run');
    assert.deepEqual(report.skipped, []);
    const expiredDigests = new Set(report.expired.map((e) => e.imageDigest));
    const expectedDigests = new Set([...Object.keys(EXPECTED_EXPIRED).map((n) => images.get(n)!.digest), expiredSignature.digest]);
    assert.deepEqual(expiredDigests, expectedDigests);

    // Gone: by digest and by each of its tags.
    for (const name of Object.keys(EXPECTED_EXPIRED)) {
      const p = images.get(name)!;
      expectError(await registry.get(`/v2/${repo}/manifests/${p.digest}`), 404, 'MANIFEST_UNKNOWN');
      for (const tag of p.spec.tags) expectError(await registry.get(`/v2/${repo}/manifests/${tag}`), 404, 'MANIFEST_UNKNOWN');
    }
    expectError(await registry.get(`/v2/${repo}/manifests/${expiredSignature.digest}`), 404, 'MANIFEST_UNKNOWN');

    // Kept: every other image (and the other signature), manifest and blobs byte for byte.
    const kept = [...[...images.values()].filter((p) => EXPECTED_EXPIRED[p.spec.name] === undefined), keptSignature];
    assert.equal(kept.length, 17);
    for (const p of kept) {
      for (const reference of [p.digest, ...p.spec.tags]) {
        const res = await registry.get(`/v2/${repo}/manifests/${reference}`, { accept: p.mediaType });
        expectStatus(res, 200);
        assert.ok(res.body.equals(p.bytes), `${p.spec.name} (${reference}) pulls byte for byte`);
      }
      for (const blob of p.blobs) {
        const res = await registry.getBlob(repo, blob.digest);
        expectStatus(res, 200);
        assert.ok(res.body.equals(blob.bytes), `${p.spec.name} blob ${blob.digest}`);
      }
    }
    const listed = await ecr.send(new DescribeImagesCommand({ repositoryName: repo, maxResults: 1000 }));
    assert.deepEqual(new Set(listed.imageDetails!.map((d) => d.imageDigest)), new Set(kept.map((p) => p.digest)));
    expectStatus(await registry.get(`/v2/${outsideRepo}/manifests/${untouched.descriptor.digest}`), 200);

    // lastEvaluatedAt is this run.
    const policy = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: repo }));
    const evaluatedAt = policy.lastEvaluatedAt!.getTime();
    assert.ok(evaluatedAt >= before - 1000 && evaluatedAt <= Date.now() + 1000, `lastEvaluatedAt ${policy.lastEvaluatedAt?.toISOString()}`);

    // One ECR Image Action DELETE event per expired image.
    const events = await query(srv.dataDir, `SELECT detail FROM events_outbox WHERE detail_type = 'ECR Image Action' ORDER BY id`);
    const deletes = events
      .map((e) => JSON.parse(String(e.detail)) as Record<string, string>)
      .filter((d) => d['action-type'] === 'DELETE' && d['repository-name'] === repo);
    assert.deepEqual(deletes.map((d) => d['image-digest']).sort(), [...expectedDigests].sort());
    for (const d of deletes) assert.equal(d.result, 'SUCCESS');

    // One audit row per expired image, by the lifecycle, saying which image and why.
    const audit = await query(srv.dataDir, `SELECT request_id, principal_arn, action, resource, decision, detail FROM audit_log WHERE principal_arn = 'wharf:lifecycle' ORDER BY id`);
    assert.equal(audit.length, 15);
    const runIds = new Set(audit.map((a) => a.request_id));
    assert.equal(runIds.size, 1, 'one run');
    for (const row of audit) {
      assert.equal(row.action, 'ecr:BatchDeleteImage');
      assert.equal(row.resource, `arn:aws:ecr:us-east-1:${admin.registryId}:repository/${repo}`);
      assert.equal(row.decision, 'Allow');
    }
    const details = audit.map((a) => JSON.parse(String(a.detail)) as { imageDigest: string; appliedRulePriority: number; imageTags: string[]; lifecyclePolicyRun: string; subjectDigest?: string });
    assert.deepEqual(new Set(details.map((d) => d.imageDigest)), expectedDigests);
    for (const d of details) {
      assert.equal(d.lifecyclePolicyRun, [...runIds][0]);
      if (d.subjectDigest === undefined) assert.equal(d.appliedRulePriority, EXPECTED_EXPIRED[byDigest(d.imageDigest)]);
    }
    // The administrator's audit command shows them too.
    const shown = await runWharf(srv.dataDir, ['admin', 'audit', '--limit', '1000']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal((JSON.parse(shown.stdout) as { principal_arn: string }[]).filter((r) => r.principal_arn === 'wharf:lifecycle').length, 15);

    // A second run finds nothing more to do.
    const again = await lifecycleRunJson(srv.dataDir, ['--repository', repo]);
    assert.deepEqual(again.repositories[0]!.expired, []);
  });

  it("the next `wharf gc` frees the expired images' blobs; every kept image still pulls byte for byte", async () => {
    const kept = [...[...images.values()].filter((p) => EXPECTED_EXPIRED[p.spec.name] === undefined), keptSignature];
    const expired = [...[...images.values()].filter((p) => EXPECTED_EXPIRED[p.spec.name] !== undefined), expiredSignature];
    const keptBlobs = new Set(kept.flatMap((p) => p.blobs.map((b) => b.digest)));
    const result = await runWharf(srv.dataDir, ['gc', '--grace', '1ms']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { blobsDeleted: number; sample: { digest: string }[] };
    const freed = new Set(report.sample.map((s) => s.digest));
    let checked = 0;
    for (const p of expired) {
      for (const blob of p.blobs.filter((b) => !keptBlobs.has(b.digest))) {
        assert.ok(freed.has(blob.digest), `gc freed ${blob.digest} of ${p.spec.name}`);
        expectError(await registry.getBlob(repo, blob.digest), 404, 'BLOB_UNKNOWN');
        checked++;
      }
    }
    assert.ok(checked >= 28, `${checked} blobs of expired images were freed`);
    for (const p of kept) {
      const res = await registry.get(`/v2/${repo}/manifests/${p.digest}`, { accept: p.mediaType });
      expectStatus(res, 200);
      assert.ok(res.body.equals(p.bytes));
      for (const blob of p.blobs) {
        const pulled = await registry.getBlob(repo, blob.digest);
        expectStatus(pulled, 200);
        assert.ok(pulled.body.equals(blob.bytes), `${p.spec.name} blob ${blob.digest} after gc`);
      }
    }
  });

  it('`wharf lifecycle run` refuses an unknown repository', async () => {
    const result = await lifecycleRun(srv.dataDir, ['--repository', uniqueName('lc-nope')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /does not exist/);
  });
});

describe('a policy stored before full validation (an older version\'s creation template)', () => {
  it('is reported by `wharf lifecycle run`, which runs the other repositories and exits 1', async () => {
    const broken = uniqueName('lc-broken');
    const fine = uniqueName('lc-fine');
    await ecr.send(new CreateRepositoryCommand({ repositoryName: broken }));
    await ecr.send(new CreateRepositoryCommand({ repositoryName: fine }));
    const old = await registry.pushImage(fine);
    await age(srv.dataDir, fine, new Map([[old.descriptor.digest, 30]]), Date.now());
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: fine, lifecyclePolicyText: policyText([UNTAGGED_OLD]) }));
    // What the old validator let through: JSON with a rules array.
    await query(srv.dataDir, `UPDATE repositories SET lifecycle_policy = '{"rules": [{"rulePriority": 1, "description": "no selection and no action, padded to the minimum length"}]}' WHERE name = ${literal(broken)}`);

    const result = await lifecycleRun(srv.dataDir, []);
    assert.equal(result.code, 1, result.stderr);
    const out = JSON.parse(result.stdout) as { repositories: { repository: string; error?: string; expired?: { imageDigest: string }[] }[] };
    assert.match(out.repositories.find((r) => r.repository === broken)?.error ?? '', /object has missing required properties/);
    assert.deepEqual(out.repositories.find((r) => r.repository === fine)?.expired?.map((e) => e.imageDigest), [old.descriptor.digest]);
    await rejectsWith(ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: broken })), 'InvalidParameterException');
  });
});

// ---- the scheduler's job handlers ---------------------------------------------------------------

describe('lifecycle job handlers', () => {
  const report = (repository: string): LifecycleRunReport => ({ repository, runId: 'r', dryRun: false, evaluatedAt: 0, hasPolicy: true, expired: [], skipped: [] });
  const job = { id: 1, kind: 'k', payload: null, attempts: 1 };

  it('run-all queues one keyed run per repository with a policy; run runs it', async () => {
    const queued: { kind: string; payload: unknown; key: string | undefined }[] = [];
    const ran: string[] = [];
    const handlers = lifecycleJobHandlers({
      lifecycle: { repositoriesWithPolicy: async () => ['a', 'b/c'], run: async (repository) => (ran.push(repository), report(repository)) },
      jobs: { enqueue: async (kind, payload, options) => void queued.push({ kind, payload, key: options?.key }) },
    });
    await handlers['lifecycle.run-all'](null, job);
    assert.deepEqual(queued, [
      { kind: 'lifecycle.run', payload: { repository: 'a' }, key: 'lifecycle:a' },
      { kind: 'lifecycle.run', payload: { repository: 'b/c' }, key: 'lifecycle:b/c' },
    ]);
    assert.equal(lifecycleJobKey('b/c'), 'lifecycle:b/c');
    for (const q of queued) await handlers['lifecycle.run'](q.payload, job);
    assert.deepEqual(ran, ['a', 'b/c']);
    await assert.rejects(handlers['lifecycle.run']({}, job), /needs a repository/);
  });

  it('a run of a repository deleted since it was queued does nothing; other failures are retried', async () => {
    const handlers = lifecycleJobHandlers({
      lifecycle: {
        repositoriesWithPolicy: async () => [],
        run: async (repository) => {
          if (repository === 'gone') throw new RegistryError('NAME_UNKNOWN', 'repository name not known to registry');
          throw new Error('database unavailable');
        },
      },
      jobs: { enqueue: async () => undefined },
    });
    await handlers['lifecycle.run']({ repository: 'gone' }, job);
    await assert.rejects(handlers['lifecycle.run']({ repository: 'broken' }, job), /database unavailable/);
  });

  it('an invalid stored policy is logged, not retried', async () => {
    const warnings: unknown[] = [];
    const handlers = lifecycleJobHandlers({
      lifecycle: {
        repositoriesWithPolicy: async () => [],
        run: async () => {
          throw new LifecyclePolicyError('LifecyclePolicyText', 'Lifecycle policy validation failure: bad');
        },
      },
      jobs: { enqueue: async () => undefined },
      logger: { info: () => undefined, warn: (object) => void warnings.push(object) },
    });
    await handlers['lifecycle.run']({ repository: 'old' }, job);
    assert.deepEqual(warnings, [{ repository: 'old', reason: "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: bad'" }]);
  });
});
