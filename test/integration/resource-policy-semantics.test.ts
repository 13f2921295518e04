// Same-account resource-policy semantics, as in IAM: a repository policy naming the account (its
// root) delegates to identity policies; naming the user, or everyone, grants by itself.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { ECRClient, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { basicAuth, pushSmallImage, startIamWharf, v2, type IamServer } from '../e2e/iam-helpers.js';

describe('repository policies in the same account', () => {
  let iam: IamServer;
  let ecr: ECRClient;
  let bob: string; // Basic credentials of a user with no identity policy at all
  let bobArn: string;
  let accountId: string;

  before(async () => {
    iam = await startIamWharf();
    const { admin, server } = iam;
    accountId = admin.registryId;
    const credentials = { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey };
    ecr = new ECRClient({ endpoint: server.url, region: 'us-east-1', credentials });
    const iamClient = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials });
    bobArn = (await iamClient.send(new CreateUserCommand({ UserName: 'bob' }))).User!.Arn!;
    const key = (await iamClient.send(new CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey!;
    bob = basicAuth(key.AccessKeyId!, key.SecretAccessKey!);
    iamClient.destroy();
    const pushed = await pushSmallImage(server, 'team/app', 'v1', basicAuth(admin.accessKeyId, admin.secretAccessKey), 'same-account');
    assert.ok(pushed.image, 'admin push');
  });

  after(async () => {
    ecr?.destroy();
    await iam?.server.dispose();
  });

  const pullPolicy = (principal: unknown) =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] }] });

  it('a policy trusting the account root does not let a user without identity permissions pull', async () => {
    await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'team/app', policyText: pullPolicy({ AWS: `arn:aws:iam::${accountId}:root` }) }));
    const response = await v2(iam.server, 'GET', '/v2/team/app/manifests/v1', bob);
    assert.equal(response.status, 403);
    assert.deepEqual(response.errorCodes, ['DENIED']);
  });

  it('a policy naming the user grants the pull by itself', async () => {
    await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'team/app', policyText: pullPolicy({ AWS: bobArn }) }));
    assert.equal((await v2(iam.server, 'GET', '/v2/team/app/manifests/v1', bob)).status, 200);
  });

  it('a policy for everyone grants the pull to the user and to anonymous callers', async () => {
    await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'team/app', policyText: pullPolicy('*') }));
    assert.equal((await v2(iam.server, 'GET', '/v2/team/app/manifests/v1', bob)).status, 200);
    assert.equal((await v2(iam.server, 'GET', '/v2/team/app/manifests/v1')).status, 200);
  });
});
