// The ECR repository, creation-template and account operations, through @aws-sdk/client-ecr
// against a real server with authentication on, plus the /v2/ behaviour those settings drive
// (immutable tags, repositories created on push from templates, blob mounting).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateRepositoryCommand,
  CreateRepositoryCreationTemplateCommand,
  DeleteRepositoryCommand,
  DeleteRepositoryCreationTemplateCommand,
  DeregisterPullTimeUpdateExclusionCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  DescribeRepositoryCreationTemplatesCommand,
  ECRClient,
  GetAccountSettingCommand,
  ListPullTimeUpdateExclusionsCommand,
  ListTagsForResourceCommand,
  PutAccountSettingCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  RegisterPullTimeUpdateExclusionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateRepositoryCreationTemplateCommand,
  paginateDescribeRepositories,
  paginateDescribeRepositoryCreationTemplates,
  type CreateRepositoryCommandInput,
  type CreateRepositoryCreationTemplateCommandInput,
  type DescribeRepositoriesCommandInput,
  type EncryptionType,
  type ImageTagMutability,
  type RCTAppliedFor,
  type Repository,
  type Tag,
} from '@aws-sdk/client-ecr';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { MAIN_JS, startWharf, type WharfProcess } from '../helpers/server.js';
import { readAdminCredentials, type AdminCredentials } from '../helpers/credentials.js';
import { execFileSync } from 'node:child_process';
import {
  MT,
  Registry,
  assertNoViolations,
  basicAuth,
  configBlob,
  expectError,
  expectStatus,
  imageManifest,
  manifestBytes,
  randomBlob,
  uniqueName,
  withQuery,
} from './client.js';


let srv: WharfProcess;
let admin: AdminCredentials;
let ecr: ECRClient;
let registry: Registry;


function ecrClient(credentials: { accessKeyId: string; secretAccessKey: string }): ECRClient {
  return new ECRClient({ endpoint: srv.url, region: 'us-east-1', credentials, maxAttempts: 1 });
}

before(async () => {
  srv = await startWharf({ anonymous: false });
  // A KMS key the tests name; created while the server runs, as an administrator would.
  execFileSync(process.execPath, [MAIN_JS, 'admin', 'encryption-key', 'create', 'alias/my-key', '--data-dir', srv.dataDir]);
  admin = await readAdminCredentials(srv.dataDir);
  ecr = ecrClient(admin);
  registry = new Registry(srv.url, basicAuth(admin.accessKeyId, admin.secretAccessKey));
});

after(async () => {
  ecr?.destroy();
  await srv?.dispose();
});

/** The call fails with this ECR exception, as a 4xx the SDK turned into a named error. */
async function rejectsWith(promise: Promise<unknown>, name: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error & { $metadata?: { httpStatusCode?: number }; $fault?: string }) => {
    assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
    assert.equal(error.$fault, 'client');
    assert.equal(error.$metadata?.httpStatusCode, 400);
    if (message) assert.match(error.message, message);
    return true;
  });
}

const arnOf = (name: string) => `arn:aws:ecr:us-east-1:${admin.registryId}:repository/${name}`;
const create = (input: CreateRepositoryCommandInput) => ecr.send(new CreateRepositoryCommand(input));
const describeOne = async (name: string): Promise<Repository> => {
  const out = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
  assert.equal(out.repositories?.length, 1);
  return out.repositories[0]!;
};
const tags = (n: number, prefix = 'k'): Tag[] => Array.from({ length: n }, (_, i) => ({ Key: `${prefix}${i}`, Value: `v${i}` }));

/** Pushes a fresh image to `repo:tag` over /v2/ and returns the raw PUT response. */
async function pushFreshImage(repo: string, tag: string) {
  const config = await registry.pushBlob(repo, configBlob());
  const layer = await registry.pushBlob(repo, randomBlob(100));
  const manifest = imageManifest({ config: { ...config, mediaType: MT.ociConfig }, layers: [{ ...layer, mediaType: MT.ociLayer }] });
  return registry.putManifest(repo, tag, manifestBytes(manifest), MT.ociManifest);
}

describe('CreateRepository / DescribeRepositories / DeleteRepository', () => {
  it('creates a repository with every setting and answers ECR\'s Repository shape', async () => {
    const name = `${uniqueName('team')}/app`;
    const startedAt = Date.now();
    const out = await create({
      repositoryName: name,
      registryId: admin.registryId,
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest' }, { filterType: 'WILDCARD', filter: 'dev-*' }],
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/my-key' },
      tags: [{ Key: 'team', Value: 'core' }, { Key: 'empty', Value: '' }],
    });
    const repo = out.repository!;
    assert.equal(repo.repositoryName, name);
    assert.equal(repo.registryId, admin.registryId);
    assert.equal(repo.repositoryArn, arnOf(name));
    assert.equal(repo.repositoryUri, `${srv.host}/${name}`);
    assert.ok(repo.createdAt instanceof Date, 'createdAt is deserialised as a Date');
    assert.ok(Math.abs(repo.createdAt.getTime() - startedAt) < 60_000, `createdAt ${repo.createdAt.toISOString()} is now`);
    assert.equal(repo.imageTagMutability, 'IMMUTABLE_WITH_EXCLUSION');
    assert.deepEqual(repo.imageTagMutabilityExclusionFilters, [{ filterType: 'WILDCARD', filter: 'latest' }, { filterType: 'WILDCARD', filter: 'dev-*' }]);
    assert.deepEqual(repo.imageScanningConfiguration, { scanOnPush: true });
    assert.deepEqual(repo.encryptionConfiguration, { encryptionType: 'KMS', kmsKey: 'alias/my-key' });

    const described = await describeOne(name);
    assert.deepEqual(described, repo);
    const listed = await ecr.send(new ListTagsForResourceCommand({ resourceArn: repo.repositoryArn }));
    assert.deepEqual(listed.tags, [{ Key: 'team', Value: 'core' }, { Key: 'empty', Value: '' }]);
  });

  it('defaults to MUTABLE, no scan on push and AES256, without exclusion filters', async () => {
    const name = uniqueName('plain');
    const repo = (await create({ repositoryName: name })).repository!;
    assert.equal(repo.imageTagMutability, 'MUTABLE');
    assert.equal(repo.imageTagMutabilityExclusionFilters, undefined);
    assert.deepEqual(repo.imageScanningConfiguration, { scanOnPush: false });
    assert.deepEqual(repo.encryptionConfiguration, { encryptionType: 'AES256' });
  });

  it('refuses an existing name with RepositoryAlreadyExistsException', async () => {
    const name = uniqueName('dup');
    await create({ repositoryName: name });
    await rejectsWith(create({ repositoryName: name }), 'RepositoryAlreadyExistsException', new RegExp(name));
  });

  it('refuses invalid names, enum values, settings and tags with the documented exceptions', async () => {
    const name = uniqueName('bad');
    for (const repositoryName of ['a', 'Upper', 'a//b', '-lead', 'trail-', 'a/', 'x'.repeat(257), 'a b']) {
      await rejectsWith(create({ repositoryName }), 'InvalidParameterException');
    }
    await rejectsWith(create({ repositoryName: name, registryId: '12345' }), 'InvalidParameterException');
    await rejectsWith(create({ repositoryName: name, imageTagMutability: 'SOMETIMES' as ImageTagMutability }), 'InvalidParameterException', /imageTagMutability/);
    await rejectsWith(create({ repositoryName: name, encryptionConfiguration: { encryptionType: 'ROT13' as EncryptionType } }), 'InvalidParameterException');
    await rejectsWith(create({ repositoryName: name, encryptionConfiguration: { encryptionType: 'AES256', kmsKey: 'alias/k' } }), 'InvalidParameterException', /kmsKey/);
    await rejectsWith(create({ repositoryName: name, encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/nobody-made-this' } }), 'KmsException', /alias\/nobody-made-this/);
    // Exclusion filters go with the *_WITH_EXCLUSION settings only, 1-5 of them, WILDCARD, [0-9a-zA-Z._*-].
    await rejectsWith(create({ repositoryName: name, imageTagMutability: 'IMMUTABLE', imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'x' }] }), 'InvalidParameterException');
    await rejectsWith(create({ repositoryName: name, imageTagMutability: 'MUTABLE_WITH_EXCLUSION' }), 'InvalidParameterException');
    await rejectsWith(create({ repositoryName: name, imageTagMutability: 'MUTABLE_WITH_EXCLUSION', imageTagMutabilityExclusionFilters: [] }), 'InvalidParameterException');
    const six = Array.from({ length: 6 }, (_, i) => ({ filterType: 'WILDCARD' as const, filter: `f${i}` }));
    await rejectsWith(create({ repositoryName: name, imageTagMutability: 'MUTABLE_WITH_EXCLUSION', imageTagMutabilityExclusionFilters: six }), 'InvalidParameterException');
    await rejectsWith(create({ repositoryName: name, imageTagMutability: 'MUTABLE_WITH_EXCLUSION', imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'a/b' }] }), 'InvalidParameterException');
    await rejectsWith(create({ repositoryName: name, imageTagMutability: 'MUTABLE_WITH_EXCLUSION', imageTagMutabilityExclusionFilters: [{ filterType: 'REGEX' as 'WILDCARD', filter: 'a' }] }), 'InvalidParameterException');
    // Tags: at most 50, keys 1-128 and values 0-256 characters.
    await rejectsWith(create({ repositoryName: name, tags: tags(51) }), 'TooManyTagsException');
    await rejectsWith(create({ repositoryName: name, tags: [{ Key: 'k'.repeat(129), Value: 'v' }] }), 'InvalidTagParameterException');
    await rejectsWith(create({ repositoryName: name, tags: [{ Key: '', Value: 'v' }] }), 'InvalidTagParameterException');
    await rejectsWith(create({ repositoryName: name, tags: [{ Key: 'k', Value: 'v'.repeat(257) }] }), 'InvalidTagParameterException');
    await rejectsWith(create({ repositoryName: name, tags: [{ Key: 'k', Value: 'a' }, { Key: 'k', Value: 'b' }] }), 'InvalidTagParameterException');
    // Nothing above created the repository.
    await rejectsWith(describeOne(name), 'RepositoryNotFoundException');
    // The limits themselves are accepted.
    const ok = await create({ repositoryName: name, tags: [...tags(49), { Key: 'k'.repeat(128), Value: 'v'.repeat(256) }] });
    assert.equal(ok.repository?.repositoryName, name);
  });

  it('describes named repositories in the order asked and reports a missing one', async () => {
    const a = uniqueName('named');
    const b = uniqueName('named');
    await create({ repositoryName: a });
    await create({ repositoryName: b });
    const out = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [b, a] }));
    assert.deepEqual(out.repositories?.map((r) => r.repositoryName), [b, a]);
    assert.equal(out.nextToken, undefined);
    await rejectsWith(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [a, 'does-not-exist'] })), 'RepositoryNotFoundException', /does-not-exist/);
  });

  it('refuses invalid DescribeRepositories parameters', async () => {
    const name = uniqueName('param');
    await create({ repositoryName: name });
    const bad: DescribeRepositoriesCommandInput[] = [
      { repositoryNames: [name], maxResults: 5 },
      { repositoryNames: [name], nextToken: 'abc' },
      { repositoryNames: [] },
      { repositoryNames: Array.from({ length: 101 }, (_, i) => `r${i}x`) },
      { repositoryNames: ['Bad_Name'] },
      { maxResults: 0 },
      { maxResults: 1001 },
      { nextToken: 'not a token!' },
      { nextToken: Buffer.from('templates:x').toString('base64url') },
    ];
    for (const input of bad) await rejectsWith(ecr.send(new DescribeRepositoriesCommand(input)), 'InvalidParameterException', undefined);
  });

  it('pages through all repositories with the SDK paginator', async () => {
    const prefix = uniqueName('page');
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const name = `${prefix}/r${i}`;
      await create({ repositoryName: name });
      created.push(name);
    }
    const all = (await ecr.send(new DescribeRepositoriesCommand({ maxResults: 1000 }))).repositories!.map((r) => r.repositoryName!);
    assert.equal(new Set(all).size, all.length);
    const pages: { names: string[]; nextToken?: string }[] = [];
    for await (const page of paginateDescribeRepositories({ client: ecr, pageSize: 3 }, {})) {
      for (const r of page.repositories ?? []) assert.ok(r.createdAt instanceof Date);
      pages.push({ names: (page.repositories ?? []).map((r) => r.repositoryName!), nextToken: page.nextToken });
    }
    assert.ok(pages.length >= 3, `7+ repositories in pages of 3 take at least 3 pages, got ${pages.length}`);
    assert.equal(pages.length, Math.ceil(all.length / 3));
    pages.forEach((page, i) => {
      assert.ok(page.names.length <= 3);
      assert.equal(page.nextToken === undefined, i === pages.length - 1, 'only the last page has no nextToken');
    });
    const paged = pages.flatMap((p) => p.names);
    assert.deepEqual(paged, all, 'the pages together are the whole listing, once each');
    assert.deepEqual([...paged].sort(), paged, 'in name order');
    for (const name of created) assert.ok(paged.includes(name), `${name} listed`);
  });

  it('lists only what the caller may describe, and refuses named repositories it may not', async () => {
    const visible = uniqueName('visible');
    const hidden = uniqueName('hidden');
    await create({ repositoryName: visible });
    await create({ repositoryName: hidden });
    const iam = new IAMClient({ endpoint: srv.url, region: 'us-east-1', credentials: admin, maxAttempts: 1 });
    try {
      const userName = uniqueName('lister');
      await iam.send(new CreateUserCommand({ UserName: userName }));
      await iam.send(new PutUserPolicyCommand({
        UserName: userName,
        PolicyName: 'describe',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'ecr:DescribeRepositories', Resource: '*' },
            { Effect: 'Deny', Action: 'ecr:DescribeRepositories', Resource: arnOf(hidden) },
          ],
        }),
      }));
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
      const lister = ecrClient({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
      try {
        const names = (await lister.send(new DescribeRepositoriesCommand({ maxResults: 1000 }))).repositories!.map((r) => r.repositoryName);
        assert.ok(names.includes(visible), 'the allowed repository is listed');
        assert.ok(!names.includes(hidden), 'the denied repository is not listed');
        assert.equal((await lister.send(new DescribeRepositoriesCommand({ repositoryNames: [visible] }))).repositories?.length, 1);
        await rejectsWith(lister.send(new DescribeRepositoriesCommand({ repositoryNames: [visible, hidden] })), 'AccessDeniedException', new RegExp(hidden));
        await rejectsWith(lister.send(new CreateRepositoryCommand({ repositoryName: uniqueName('nope') })), 'AccessDeniedException', /ecr:CreateRepository/);
      } finally {
        lister.destroy();
      }
    } finally {
      iam.destroy();
    }
  });

  it('deletes an empty repository, refuses a non-empty one without force, and deletes it with force', async () => {
    const empty = uniqueName('del');
    const createdRepo = (await create({ repositoryName: empty, imageTagMutability: 'IMMUTABLE' })).repository!;
    const deleted = await ecr.send(new DeleteRepositoryCommand({ repositoryName: empty }));
    assert.deepEqual(deleted.repository, createdRepo);
    await rejectsWith(describeOne(empty), 'RepositoryNotFoundException');
    await rejectsWith(ecr.send(new DeleteRepositoryCommand({ repositoryName: empty })), 'RepositoryNotFoundException', new RegExp(`${empty}.*${admin.registryId}`));

    const full = uniqueName('full');
    await create({ repositoryName: full });
    await registry.pushImage(full, 'v1');
    await rejectsWith(ecr.send(new DeleteRepositoryCommand({ repositoryName: full })), 'RepositoryNotEmptyException');
    await rejectsWith(ecr.send(new DeleteRepositoryCommand({ repositoryName: full, force: false })), 'RepositoryNotEmptyException');
    const forced = await ecr.send(new DeleteRepositoryCommand({ repositoryName: full, force: true }));
    assert.equal(forced.repository?.repositoryName, full);
    assert.ok(forced.repository?.createdAt instanceof Date);
    expectError(await registry.get(`/v2/${full}/manifests/v1`), 404, ['NAME_UNKNOWN', 'MANIFEST_UNKNOWN']);
    await rejectsWith(ecr.send(new DeleteRepositoryCommand({ repositoryName: 'Bad' })), 'InvalidParameterException');
  });
});

describe('repository settings and resource tags', () => {
  it('PutImageTagMutability changes the setting and its exclusion filters', async () => {
    const name = uniqueName('mut');
    await create({ repositoryName: name });
    const out = await ecr.send(new PutImageTagMutabilityCommand({
      repositoryName: name,
      imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'release-*' }],
    }));
    assert.equal(out.registryId, admin.registryId);
    assert.equal(out.repositoryName, name);
    assert.equal(out.imageTagMutability, 'MUTABLE_WITH_EXCLUSION');
    assert.deepEqual(out.imageTagMutabilityExclusionFilters, [{ filterType: 'WILDCARD', filter: 'release-*' }]);
    assert.deepEqual((await describeOne(name)).imageTagMutabilityExclusionFilters, [{ filterType: 'WILDCARD', filter: 'release-*' }]);

    const back = await ecr.send(new PutImageTagMutabilityCommand({ repositoryName: name, imageTagMutability: 'IMMUTABLE' }));
    assert.equal(back.imageTagMutability, 'IMMUTABLE');
    assert.equal(back.imageTagMutabilityExclusionFilters, undefined);
    const described = await describeOne(name);
    assert.equal(described.imageTagMutability, 'IMMUTABLE');
    assert.equal(described.imageTagMutabilityExclusionFilters, undefined);

    await rejectsWith(ecr.send(new PutImageTagMutabilityCommand({ repositoryName: name, imageTagMutability: 'FROZEN' as ImageTagMutability })), 'InvalidParameterException');
    await rejectsWith(ecr.send(new PutImageTagMutabilityCommand({ repositoryName: name, imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION' })), 'InvalidParameterException');
    await rejectsWith(ecr.send(new PutImageTagMutabilityCommand({ repositoryName: uniqueName('missing'), imageTagMutability: 'MUTABLE' })), 'RepositoryNotFoundException');
  });

  it('PutImageScanningConfiguration stores scanOnPush', async () => {
    const name = uniqueName('scan');
    await create({ repositoryName: name });
    const out = await ecr.send(new PutImageScanningConfigurationCommand({ repositoryName: name, imageScanningConfiguration: { scanOnPush: true } }));
    assert.equal(out.registryId, admin.registryId);
    assert.equal(out.repositoryName, name);
    assert.deepEqual(out.imageScanningConfiguration, { scanOnPush: true });
    assert.deepEqual((await describeOne(name)).imageScanningConfiguration, { scanOnPush: true });
    await ecr.send(new PutImageScanningConfigurationCommand({ repositoryName: name, imageScanningConfiguration: { scanOnPush: false } }));
    assert.deepEqual((await describeOne(name)).imageScanningConfiguration, { scanOnPush: false });
    await rejectsWith(ecr.send(new PutImageScanningConfigurationCommand({ repositoryName: uniqueName('missing'), imageScanningConfiguration: { scanOnPush: true } })), 'RepositoryNotFoundException');
  });

  it('TagResource / UntagResource / ListTagsForResource manage repository tags within the limits', async () => {
    const name = uniqueName('tags');
    const arn = arnOf(name);
    await create({ repositoryName: name, tags: [{ Key: 'a', Value: '1' }] });
    assert.deepEqual((await ecr.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'b', Value: '2' }, { Key: 'a', Value: 'one' }] }))).$metadata.httpStatusCode, 200);
    assert.deepEqual((await ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, [{ Key: 'a', Value: 'one' }, { Key: 'b', Value: '2' }]);
    await ecr.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['a', 'not-there'] }));
    assert.deepEqual((await ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, [{ Key: 'b', Value: '2' }]);

    // 1 + 49 = 50 is the limit; one more is TooManyTagsException and changes nothing.
    await ecr.send(new TagResourceCommand({ resourceArn: arn, tags: tags(49) }));
    await rejectsWith(ecr.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'one-more', Value: 'x' }] })), 'TooManyTagsException');
    assert.equal((await ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags?.length, 50);
    await ecr.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'b', Value: 'replaced' }] }));
    await rejectsWith(ecr.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'x'.repeat(129), Value: '' }] })), 'InvalidTagParameterException');
    await rejectsWith(ecr.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'x', Value: 'v'.repeat(257) }] })), 'InvalidTagParameterException');
    await rejectsWith(ecr.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: [''] })), 'InvalidTagParameterException');

    for (const resourceArn of [
      'not-an-arn',
      `arn:aws:s3:::${name}`,
      `arn:aws:ecr:eu-west-1:${admin.registryId}:repository/${name}`,
      `arn:aws:ecr:us-east-1:000000000000:repository/${name}`,
      `arn:aws:ecr:us-east-1:${admin.registryId}:repository/Bad`,
      `arn:aws:ecr:us-east-1:${admin.registryId}:repo/${name}`,
    ]) {
      await rejectsWith(ecr.send(new ListTagsForResourceCommand({ resourceArn })), 'InvalidParameterException', /resourceArn/);
      await rejectsWith(ecr.send(new TagResourceCommand({ resourceArn, tags: [{ Key: 'k', Value: 'v' }] })), 'InvalidParameterException', /resourceArn/);
      await rejectsWith(ecr.send(new UntagResourceCommand({ resourceArn, tagKeys: ['k'] })), 'InvalidParameterException', /resourceArn/);
    }
    const missing = arnOf(uniqueName('missing'));
    await rejectsWith(ecr.send(new ListTagsForResourceCommand({ resourceArn: missing })), 'RepositoryNotFoundException');
    await rejectsWith(ecr.send(new TagResourceCommand({ resourceArn: missing, tags: [{ Key: 'k', Value: 'v' }] })), 'RepositoryNotFoundException');
    await rejectsWith(ecr.send(new UntagResourceCommand({ resourceArn: missing, tagKeys: ['k'] })), 'RepositoryNotFoundException');
  });

  it('DescribeRegistry answers the registry id and an empty replication configuration', async () => {
    const out = await ecr.send(new DescribeRegistryCommand({}));
    assert.equal(out.registryId, admin.registryId);
    assert.deepEqual(out.replicationConfiguration, { rules: [] });
  });

  it('an IMMUTABLE repository refuses a docker push that moves a tag (TAG_INVALID, 400)', async () => {
    const name = uniqueName('immutable');
    await create({ repositoryName: name, imageTagMutability: 'IMMUTABLE' });
    expectStatus(await pushFreshImage(name, 'v1'), 201);
    const moved = await pushFreshImage(name, 'v1');
    expectError(moved, 400, 'TAG_INVALID');
    // A new tag is still fine.
    expectStatus(await pushFreshImage(name, 'v2'), 201);
  });
});

describe('repository creation templates', () => {
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'Pull', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: ['ecr:BatchGetImage'] }],
  });
  const lifecycle = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } }] });
  const createTemplate = (input: CreateRepositoryCreationTemplateCommandInput) => ecr.send(new CreateRepositoryCreationTemplateCommand(input));

  it('starts with the ROOT template for CREATE_ON_PUSH', async () => {
    const out = await ecr.send(new DescribeRepositoryCreationTemplatesCommand({ prefixes: ['ROOT'] }));
    assert.equal(out.registryId, admin.registryId);
    assert.equal(out.repositoryCreationTemplates?.length, 1);
    const root = out.repositoryCreationTemplates![0]!;
    assert.equal(root.prefix, 'ROOT');
    assert.deepEqual(root.appliedFor, ['CREATE_ON_PUSH']);
    assert.ok(root.createdAt instanceof Date && root.updatedAt instanceof Date);
  });

  it('creates, describes, updates and deletes a template', async () => {
    const prefix = uniqueName('tpl');
    const created = (await createTemplate({
      prefix: `${prefix}/`,
      description: 'for tests',
      appliedFor: ['CREATE_ON_PUSH', 'REPLICATION'],
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest' }],
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: `arn:aws:kms:us-east-1:${admin.registryId}:key/0123-abcd` },
      resourceTags: [{ Key: 'owner', Value: 'ci' }],
      repositoryPolicy: policy,
      lifecyclePolicy: lifecycle,
      customRoleArn: `arn:aws:iam::${admin.registryId}:role/ecr-templates`,
    })).repositoryCreationTemplate!;
    assert.equal(created.prefix, prefix, 'the trailing / is implied and dropped');
    assert.equal(created.description, 'for tests');
    assert.deepEqual(created.appliedFor, ['CREATE_ON_PUSH', 'REPLICATION']);
    assert.equal(created.imageTagMutability, 'IMMUTABLE_WITH_EXCLUSION');
    assert.deepEqual(created.imageTagMutabilityExclusionFilters, [{ filterType: 'WILDCARD', filter: 'latest' }]);
    assert.deepEqual(created.encryptionConfiguration, { encryptionType: 'KMS', kmsKey: `arn:aws:kms:us-east-1:${admin.registryId}:key/0123-abcd` });
    assert.deepEqual(created.resourceTags, [{ Key: 'owner', Value: 'ci' }]);
    assert.equal(created.repositoryPolicy, policy);
    assert.equal(created.lifecyclePolicy, lifecycle);
    assert.equal(created.customRoleArn, `arn:aws:iam::${admin.registryId}:role/ecr-templates`);
    assert.ok(created.createdAt instanceof Date && created.updatedAt instanceof Date);

    await rejectsWith(createTemplate({ prefix, appliedFor: ['CREATE_ON_PUSH'] }), 'TemplateAlreadyExistsException');
    const described = (await ecr.send(new DescribeRepositoryCreationTemplatesCommand({ prefixes: [prefix] }))).repositoryCreationTemplates;
    assert.deepEqual(described, [created]);

    // Update changes only what it names.
    const updated = (await ecr.send(new UpdateRepositoryCreationTemplateCommand({ prefix, description: 'changed', imageTagMutability: 'MUTABLE', resourceTags: [] }))).repositoryCreationTemplate!;
    assert.equal(updated.description, 'changed');
    assert.equal(updated.imageTagMutability, 'MUTABLE');
    assert.equal(updated.imageTagMutabilityExclusionFilters, undefined);
    assert.deepEqual(updated.resourceTags, []);
    assert.deepEqual(updated.appliedFor, created.appliedFor);
    assert.equal(updated.repositoryPolicy, policy);
    assert.equal(updated.lifecyclePolicy, lifecycle);
    assert.deepEqual(updated.encryptionConfiguration, created.encryptionConfiguration);
    assert.ok(updated.updatedAt!.getTime() >= created.updatedAt!.getTime());
    const cleared = (await ecr.send(new UpdateRepositoryCreationTemplateCommand({ prefix, repositoryPolicy: '', lifecyclePolicy: '' }))).repositoryCreationTemplate!;
    assert.equal(cleared.repositoryPolicy, undefined);
    assert.equal(cleared.lifecyclePolicy, undefined);

    const deleted = (await ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix }))).repositoryCreationTemplate!;
    assert.equal(deleted.prefix, prefix);
    assert.equal(deleted.description, 'changed');
    assert.deepEqual((await ecr.send(new DescribeRepositoryCreationTemplatesCommand({ prefixes: [prefix] }))).repositoryCreationTemplates, []);
    await rejectsWith(ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix })), 'TemplateNotFoundException');
    await rejectsWith(ecr.send(new UpdateRepositoryCreationTemplateCommand({ prefix, description: 'x' })), 'TemplateNotFoundException');
  });

  it('refuses invalid template parameters', async () => {
    const prefix = uniqueName('badtpl');
    const valid: CreateRepositoryCreationTemplateCommandInput = { prefix, appliedFor: ['CREATE_ON_PUSH'] };
    const bad: Partial<CreateRepositoryCreationTemplateCommandInput>[] = [
      { prefix: 'Upper' },
      { prefix: '/lead' },
      { prefix: 'a//b' },
      { prefix: 'x'.repeat(257) },
      { prefix: '' },
      { appliedFor: [] },
      { appliedFor: ['SOMETIMES' as RCTAppliedFor] },
      { description: 'd'.repeat(257) },
      { imageTagMutability: 'NEVER' as ImageTagMutability },
      { imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION' },
      { encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/not-an-arn' } },
      { encryptionConfiguration: { encryptionType: 'AES256', kmsKey: `arn:aws:kms:us-east-1:${admin.registryId}:key/abc` } },
      { resourceTags: tags(51) },
      { resourceTags: [{ Key: 'k'.repeat(129), Value: 'v' }] },
      { repositoryPolicy: '{"Statement": "nope"}' },
      { repositoryPolicy: 'not json' },
      { lifecyclePolicy: 'not json' },
      { lifecyclePolicy: '{"rulez": []}' },
      { customRoleArn: 'arn:aws:iam::123456789012:user/not-a-role' },
    ];
    for (const change of bad) {
      await rejectsWith(createTemplate({ ...valid, ...change }), 'InvalidParameterException', undefined);
    }
    assert.deepEqual((await ecr.send(new DescribeRepositoryCreationTemplatesCommand({ prefixes: [prefix] }))).repositoryCreationTemplates, []);
    await rejectsWith(ecr.send(new DescribeRepositoryCreationTemplatesCommand({ prefixes: ['Nope'] })), 'InvalidParameterException');
    await rejectsWith(ecr.send(new DescribeRepositoryCreationTemplatesCommand({ maxResults: 1001 })), 'InvalidParameterException');
    await rejectsWith(ecr.send(new DescribeRepositoryCreationTemplatesCommand({ nextToken: Buffer.from('repositories:a').toString('base64url') })), 'InvalidParameterException');
  });

  it('pages through templates with the SDK paginator', async () => {
    const base = uniqueName('pg');
    for (let i = 0; i < 4; i++) await createTemplate({ prefix: `${base}/t${i}`, appliedFor: ['PULL_THROUGH_CACHE'] });
    const all = (await ecr.send(new DescribeRepositoryCreationTemplatesCommand({}))).repositoryCreationTemplates!.map((t) => t.prefix!);
    const pages: string[][] = [];
    for await (const page of paginateDescribeRepositoryCreationTemplates({ client: ecr, pageSize: 2 }, {})) {
      pages.push(page.repositoryCreationTemplates!.map((t) => t.prefix!));
    }
    assert.equal(pages.length, Math.ceil(all.length / 2));
    assert.deepEqual(pages.flat(), all);
    for (let i = 0; i < 4; i++) assert.ok(all.includes(`${base}/t${i}`));
    for (let i = 0; i < 4; i++) await ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix: `${base}/t${i}` }));
  });

  it('a push creates the repository from the longest matching template; without ROOT other pushes fail with NAME_UNKNOWN', async () => {
    const team = uniqueName('team');
    await createTemplate({
      prefix: team,
      appliedFor: ['CREATE_ON_PUSH'],
      imageTagMutability: 'IMMUTABLE',
      resourceTags: [{ Key: 'team', Value: team }, { Key: 'source', Value: 'template' }],
    });
    const name = `${team}/new`;
    expectStatus(await pushFreshImage(name, 'v1'), 201);
    const repo = await describeOne(name);
    assert.equal(repo.imageTagMutability, 'IMMUTABLE');
    assert.deepEqual((await ecr.send(new ListTagsForResourceCommand({ resourceArn: arnOf(name) }))).tags, [{ Key: 'team', Value: team }, { Key: 'source', Value: 'template' }]);
    expectError(await pushFreshImage(name, 'v1'), 400, 'TAG_INVALID');

    // Outside the prefix the ROOT template applies (MUTABLE); once it is gone, nothing does.
    const other = `${uniqueName('other')}/x`;
    expectStatus(await pushFreshImage(other, 'v1'), 201);
    assert.equal((await describeOne(other)).imageTagMutability, 'MUTABLE');
    const root = (await ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix: 'ROOT' }))).repositoryCreationTemplate!;
    try {
      const orphan = `${uniqueName('other')}/x`;
      expectError(await registry.request('POST', `/v2/${orphan}/blobs/uploads/`), 404, 'NAME_UNKNOWN');
      await rejectsWith(describeOne(orphan), 'RepositoryNotFoundException');
      // The team template still applies.
      expectStatus(await pushFreshImage(`${team}/second`, 'v1'), 201);
    } finally {
      await createTemplate({ prefix: 'ROOT', appliedFor: root.appliedFor!, description: root.description });
    }
    expectStatus(await pushFreshImage(`${uniqueName('other')}/y`, 'v1'), 201);
  });
});

describe('account settings and pull-time update exclusions', () => {
  it('GetAccountSetting answers the defaults; PutAccountSetting stores documented values only', async () => {
    const get = async (name: string) => {
      const out = await ecr.send(new GetAccountSettingCommand({ name }));
      assert.equal(out.name, name);
      return out.value;
    };
    assert.equal(await get('BASIC_SCAN_TYPE_VERSION'), 'AWS_NATIVE');
    assert.equal(await get('REGISTRY_POLICY_SCOPE'), 'V2');
    assert.equal(await get('BLOB_MOUNTING'), 'ENABLED');
    const put = await ecr.send(new PutAccountSettingCommand({ name: 'REGISTRY_POLICY_SCOPE', value: 'V2' }));
    assert.deepEqual([put.name, put.value], ['REGISTRY_POLICY_SCOPE', 'V2']);
    await ecr.send(new PutAccountSettingCommand({ name: 'BASIC_SCAN_TYPE_VERSION', value: 'AWS_NATIVE' }));
    assert.equal(await get('BASIC_SCAN_TYPE_VERSION'), 'AWS_NATIVE');

    await rejectsWith(ecr.send(new GetAccountSettingCommand({ name: 'NO_SUCH_SETTING' })), 'InvalidParameterException');
    await rejectsWith(ecr.send(new PutAccountSettingCommand({ name: 'NO_SUCH_SETTING', value: 'x' })), 'InvalidParameterException');
    await rejectsWith(ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'enabled' })), 'InvalidParameterException');
    await rejectsWith(ecr.send(new PutAccountSettingCommand({ name: 'REGISTRY_POLICY_SCOPE', value: 'V3' })), 'InvalidParameterException');
    await rejectsWith(ecr.send(new PutAccountSettingCommand({ name: 'BASIC_SCAN_TYPE_VERSION', value: 'CLAIR9' })), 'InvalidParameterException');
  });

  it('BLOB_MOUNTING=DISABLED stops cross-repository mounts on /v2/', async () => {
    const source = uniqueName('mount-src');
    const target = uniqueName('mount-dst');
    const blob = await registry.pushBlob(source, randomBlob(300));
    const mount = (into: string) => registry.request('POST', withQuery(registry.url(`/v2/${into}/blobs/uploads/`), { mount: blob.digest, from: source }));

    const disabled = await ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'DISABLED' }));
    assert.equal(disabled.value, 'DISABLED');
    assert.equal((await ecr.send(new GetAccountSettingCommand({ name: 'BLOB_MOUNTING' }))).value, 'DISABLED');
    expectStatus(await mount(target), 202);

    await ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'ENABLED' }));
    expectStatus(await mount(`${target}-2`), 201);
  });

  it('registers, lists (paginated), and deregisters exclusions with the documented exceptions', async () => {
    const arns = ['user/ci', 'role/scanner', 'role/path/replicator', 'user/b', 'role/a'].map((p) => `arn:aws:iam::${admin.registryId}:${p}`);
    for (const principalArn of arns) {
      const out = await ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn }));
      assert.equal(out.principalArn, principalArn);
      assert.ok(out.createdAt instanceof Date && Math.abs(out.createdAt.getTime() - Date.now()) < 60_000);
    }
    await rejectsWith(ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: arns[0] })), 'ExclusionAlreadyExistsException');

    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await ecr.send(new ListPullTimeUpdateExclusionsCommand({ maxResults: 2, nextToken }));
      assert.ok(page.pullTimeUpdateExclusions!.length <= 2);
      seen.push(...page.pullTimeUpdateExclusions!);
      nextToken = page.nextToken;
      pages += 1;
    } while (nextToken);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...arns].sort());
    await rejectsWith(ecr.send(new ListPullTimeUpdateExclusionsCommand({ maxResults: 0 })), 'InvalidParameterException');
    await rejectsWith(ecr.send(new ListPullTimeUpdateExclusionsCommand({ nextToken: 'garbage!' })), 'InvalidParameterException');

    for (const principalArn of ['arn:aws:iam::123:user/x', 'arn:aws:sts::123456789012:assumed-role/r/s', 'arn:aws:iam::123456789012:group/g', 'user/x', `arn:aws:iam::123456789012:user/${'u'.repeat(200)}`]) {
      await rejectsWith(ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn })), 'InvalidParameterException');
    }

    const removed = await ecr.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: arns[0] }));
    assert.equal(removed.principalArn, arns[0]);
    await rejectsWith(ecr.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: arns[0] })), 'ExclusionNotFoundException');
    for (const principalArn of arns.slice(1)) await ecr.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn }));
    assert.deepEqual((await ecr.send(new ListPullTimeUpdateExclusionsCommand({}))).pullTimeUpdateExclusions, []);
  });

  it('allows at most 100 exclusions (LimitExceededException)', async () => {
    const arns = Array.from({ length: 100 }, (_, i) => `arn:aws:iam::${admin.registryId}:role/limit-${i}`);
    for (const principalArn of arns) await ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn }));
    await rejectsWith(ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: `arn:aws:iam::${admin.registryId}:role/one-too-many` })), 'LimitExceededException');
    const listed = await ecr.send(new ListPullTimeUpdateExclusionsCommand({}));
    assert.equal(listed.pullTimeUpdateExclusions?.length, 100);
    assert.equal(listed.nextToken, undefined);
    for (const principalArn of arns) await ecr.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn }));
  });
});

describe('protocol invariants', () => {
  it('no /v2/ response lacked the API version header and none was a 5xx', () => {
    assertNoViolations();
  });
});
