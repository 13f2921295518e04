// aws:SourceIp sees the client address: the peer's, or, behind a listed trusted proxy, the one its
// X-Forwarded-For names. An untrusted peer cannot choose its address by sending the header.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { basicAuth, pushSmallImage, startIamWharf, v2, type IamServer } from '../e2e/iam-helpers.js';

const PULL_UNLESS_FROM_10_1 = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: '*' },
    { Effect: 'Deny', Action: 'ecr:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.1.0.0/16' } } },
  ],
});

async function serverWithUser(extraArgs: string[]): Promise<{ iam: IamServer; user: string }> {
  const iam = await startIamWharf(extraArgs);
  const { admin, server } = iam;
  const client = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey } });
  await client.send(new CreateUserCommand({ UserName: 'ci' }));
  await client.send(new PutUserPolicyCommand({ UserName: 'ci', PolicyName: 'pull', PolicyDocument: PULL_UNLESS_FROM_10_1 }));
  const key = (await client.send(new CreateAccessKeyCommand({ UserName: 'ci' }))).AccessKey!;
  client.destroy();
  const pushed = await pushSmallImage(server, 'team/app', 'v1', basicAuth(admin.accessKeyId, admin.secretAccessKey), 'source-ip');
  assert.ok(pushed.image, 'admin push');
  return { iam, user: basicAuth(key.AccessKeyId!, key.SecretAccessKey!) };
}

describe('aws:SourceIp and trusted proxies', () => {
  let behindProxy: { iam: IamServer; user: string };
  let direct: { iam: IamServer; user: string };

  before(async () => {
    [behindProxy, direct] = await Promise.all([serverWithUser(['--trusted-proxies', '127.0.0.1']), serverWithUser([])]);
  });

  after(async () => {
    await behindProxy?.iam.server.dispose();
    await direct?.iam.server.dispose();
  });

  it('behind a trusted proxy, the forwarded client address decides', async () => {
    const { iam, user } = behindProxy;
    const denied = await v2(iam.server, 'GET', '/v2/team/app/manifests/v1', user, { headers: { 'x-forwarded-for': '10.1.2.3' } });
    assert.equal(denied.status, 403);
    assert.deepEqual(denied.errorCodes, ['DENIED']);
    const allowed = await v2(iam.server, 'GET', '/v2/team/app/manifests/v1', user, { headers: { 'x-forwarded-for': '192.0.2.7' } });
    assert.equal(allowed.status, 200);
  });

  it('without trusted proxies, X-Forwarded-For is ignored', async () => {
    const { iam, user } = direct;
    const response = await v2(iam.server, 'GET', '/v2/team/app/manifests/v1', user, { headers: { 'x-forwarded-for': '10.1.2.3' } });
    assert.equal(response.status, 200);
  });
});
