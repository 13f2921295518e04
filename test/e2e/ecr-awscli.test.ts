// The seed workflow a new user runs, end to end through Debian's AWS CLI v2 and skopeo:
// create a repository, log in, push, describe, list, delete an image, configure scanning, and
// delete the repository with --force. Every step's output is checked.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildMultiArchLayout, type MultiArchLayout } from '../helpers/oci-layout.js';
import { describeRun, makeContainersSandbox, onPath, type ContainersSandbox } from './client-tools.js';
import { HAVE_AWS_CLI, makeAwsCli, serverLogTail, startIamWharf, type AwsCli, type IamServer } from './iam-helpers.js';

const SKIP = !HAVE_AWS_CLI || !onPath('skopeo') ? 'needs /usr/bin/aws (Debian awscli) and skopeo' : false;

interface Repository {
  repositoryArn: string;
  registryId: string;
  repositoryName: string;
  repositoryUri: string;
  /** The CLI prints timestamps as ISO 8601 (cli_timestamp_format). */
  createdAt: string;
  imageTagMutability: string;
  imageScanningConfiguration: { scanOnPush: boolean };
}

describe('e2e: the ECR seed workflow with the AWS CLI', { skip: SKIP, timeout: 180_000 }, () => {
  let iam: IamServer;
  let aws: AwsCli;
  let sandbox: ContainersSandbox;
  let layout: MultiArchLayout;
  let workDir: string;

  before(async () => {
    iam = await startIamWharf();
    workDir = mkdtempSync(join(tmpdir(), 'wharf-e2e-ecr-'));
    aws = makeAwsCli(iam.server, workDir);
    sandbox = makeContainersSandbox('wharf-e2e-ecr-clients-');
    layout = buildMultiArchLayout({ tag: 'latest', salt: 'seed-workflow' });
  });

  after(async () => {
    await iam?.server.dispose();
    await sandbox?.cleanup();
    layout?.cleanup();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('runs create, login, push, describe, list, delete image, scanning, delete --force', async () => {
    const { admin, server } = iam;
    const host = server.host;

    const created = await aws.json<{ repository: Repository }>(admin, ['ecr', 'create-repository', '--repository-name', 'my-app']);
    assert.equal(created.repository.repositoryName, 'my-app');
    assert.equal(created.repository.repositoryUri, `${host}/my-app`);
    assert.equal(created.repository.registryId, admin.registryId);
    assert.equal(created.repository.repositoryArn, `arn:aws:ecr:us-east-1:${admin.registryId}:repository/my-app`);
    assert.equal(created.repository.imageTagMutability, 'MUTABLE');
    assert.ok(Math.abs(Date.parse(created.repository.createdAt) - Date.now()) < 300_000, `createdAt ${created.repository.createdAt}`);
    await aws.fails(admin, ['ecr', 'create-repository', '--repository-name', 'my-app'], 'RepositoryAlreadyExistsException');

    const password = await aws.loginPassword(admin);
    const login = await sandbox.skopeo(['login', '--tls-verify=false', '--authfile', sandbox.authFile, '--username', 'AWS', '--password-stdin', host], { input: password });
    assert.equal(login.code, 0, describeRun(login, serverLogTail(server)));

    const push = await sandbox.skopeo([
      'copy', '--all', '--preserve-digests', '--dest-tls-verify=false', '--authfile', sandbox.authFile,
      `oci:${layout.dir}:latest`, `docker://${host}/my-app:latest`,
    ]);
    assert.equal(push.code, 0, describeRun(push, serverLogTail(server)));

    const described = await aws.json<{ repositories: Repository[] }>(admin, ['ecr', 'describe-repositories']);
    assert.deepEqual(described.repositories.map((r) => r.repositoryName), ['my-app']);

    const listed = await aws.json<{ imageIds: { imageDigest: string; imageTag?: string }[] }>(admin, ['ecr', 'list-images', '--repository-name', 'my-app']);
    const tagged = listed.imageIds.filter((id) => id.imageTag === 'latest');
    assert.deepEqual(tagged, [{ imageDigest: layout.index.digest, imageTag: 'latest' }]);
    // The two platform manifests are untagged images of their own.
    const untagged = listed.imageIds.filter((id) => id.imageTag === undefined).map((id) => id.imageDigest).sort();
    assert.deepEqual(untagged, layout.images.map((image) => image.manifest.digest).sort());

    const images = await aws.json<{ imageDetails: { imageDigest: string; imageTags?: string[]; imageSizeInBytes: number; imagePushedAt: string; imageManifestMediaType: string }[] }>(
      admin,
      ['ecr', 'describe-images', '--repository-name', 'my-app', '--image-ids', 'imageTag=latest'],
    );
    assert.equal(images.imageDetails.length, 1);
    const detail = images.imageDetails[0]!;
    assert.equal(detail.imageDigest, layout.index.digest);
    assert.deepEqual(detail.imageTags, ['latest']);
    assert.equal(detail.imageManifestMediaType, 'application/vnd.oci.image.index.v1+json');
    assert.ok(detail.imageSizeInBytes > 0, 'image size');
    assert.ok(Math.abs(Date.parse(detail.imagePushedAt) - Date.now()) < 300_000, `pushed just now: ${detail.imagePushedAt}`);

    const deleted = await aws.json<{ imageIds: { imageDigest: string; imageTag: string }[]; failures: unknown[] }>(admin, [
      'ecr', 'batch-delete-image', '--repository-name', 'my-app', '--image-ids', 'imageTag=latest',
    ]);
    assert.deepEqual(deleted.imageIds, [{ imageDigest: layout.index.digest, imageTag: 'latest' }]);
    assert.deepEqual(deleted.failures, []);
    const missing = await aws.json<{ imageIds: unknown[]; failures: { failureCode: string }[] }>(admin, [
      'ecr', 'batch-delete-image', '--repository-name', 'my-app', '--image-ids', 'imageTag=latest',
    ]);
    assert.deepEqual(missing.imageIds, []);
    assert.equal(missing.failures[0]?.failureCode, 'ImageNotFound');
    const gone = await sandbox.skopeo(['inspect', '--raw', '--tls-verify=false', '--authfile', sandbox.authFile, `docker://${host}/my-app:latest`]);
    assert.notEqual(gone.code, 0, 'the tag was deleted');

    const scanning = await aws.json<{ imageScanningConfiguration: { scanOnPush: boolean } }>(admin, [
      'ecr', 'put-image-scanning-configuration', '--repository-name', 'my-app', '--image-scanning-configuration', 'scanOnPush=true',
    ]);
    assert.equal(scanning.imageScanningConfiguration.scanOnPush, true);
    const after = await aws.json<{ repositories: Repository[] }>(admin, ['ecr', 'describe-repositories', '--repository-names', 'my-app']);
    assert.equal(after.repositories[0]?.imageScanningConfiguration.scanOnPush, true);

    // The platform manifests are still there, so only --force deletes the repository.
    await aws.fails(admin, ['ecr', 'delete-repository', '--repository-name', 'my-app'], 'RepositoryNotEmptyException');
    const removed = await aws.json<{ repository: Repository }>(admin, ['ecr', 'delete-repository', '--repository-name', 'my-app', '--force']);
    assert.equal(removed.repository.repositoryName, 'my-app');
    await aws.fails(admin, ['ecr', 'describe-repositories', '--repository-names', 'my-app'], 'RepositoryNotFoundException');
  });
});
