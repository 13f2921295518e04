// End-to-end tests of identity and access with the AWS SDK for JavaScript v3 (@aws-sdk/client-ecr,
// client-iam, client-sts) against a real `wharf serve` with authentication on, on 127.0.0.1: the
// SDK signs, Wharf verifies; login tokens from GetAuthorizationToken are used as Basic credentials
// on /v2/ with fetch; repository and registry policies; IAM users; STS identities; error names.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  DeleteRegistryPolicyCommand,
  DeleteRepositoryPolicyCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetRegistryPolicyCommand,
  GetRepositoryPolicyCommand,
  PutRegistryPolicyCommand,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  GetUserCommand,
  IAMClient,
  ListUsersCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

import type { WharfProcess } from '../helpers/server.js';
import {
  MEDIA_TYPE_OCI_MANIFEST,
  PULL_ACTIONS,
  PUBLIC_PULL_POLICY,
  PUSH_ACTIONS,
  REGION,
  allowPolicy,
  basicAuth,
  decodeAuthorizationToken,
  describeV2,
  policyDocument,
  pushSmallImage,
  serverLogTail,
  startIamWharf,
  trustPolicy,
  v2,
  type AdminCredentials,
  type Credentials,
  type PushedImage,
} from './iam-helpers.js';

// The SDK must not read this machine's ~/.aws files or ask an instance metadata service; every
// client below gets its credentials, region and endpoint explicitly.
const awsHome = mkdtempSync(join(tmpdir(), 'wharf-e2e-iam-sdk-aws-'));
process.env['AWS_CONFIG_FILE'] = join(awsHome, 'no-such-config');
process.env['AWS_SHARED_CREDENTIALS_FILE'] = join(awsHome, 'no-such-credentials');
process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
for (const name of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_ECR', 'AWS_ENDPOINT_URL_IAM', 'AWS_ENDPOINT_URL_STS']) {
  delete process.env[name];
}

interface SdkError {
  name: string;
  message: string;
  $metadata?: { httpStatusCode?: number };
}

/** Runs `call`, which must fail with an SDK error named `name`; returns the error. */
async function rejectsWith(call: () => Promise<unknown>, name: string, server?: WharfProcess): Promise<SdkError> {
  let result: unknown;
  try {
    result = await call();
  } catch (error) {
    const e = error as SdkError;
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}\n${serverLogTail(server, 1500)}`);
    return e;
  }
  assert.fail(`expected ${name}, but the call succeeded: ${JSON.stringify(result).slice(0, 500)}`);
}

describe('e2e: identity and access with the AWS SDK for JavaScript v3', { timeout: 90_000 }, () => {
  let server: WharfProcess;
  let admin: AdminCredentials;

  const clientConfig = (creds: Credentials) => ({
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}) },
    maxAttempts: 1,
  });
  const ecr = (creds: Credentials) => new ECRClient(clientConfig(creds));
  const iamClient = (creds: Credentials) => new IAMClient(clientConfig(creds));
  const sts = (creds: Credentials) => new STSClient(clientConfig(creds));

  before(async () => {
    ({ server, admin } = await startIamWharf(['--auth-failure-limit', '10000']));
  });

  after(async () => {
    await server?.dispose();
    rmSync(awsHome, { recursive: true, force: true });
  });

  async function createUser(name: string, policy?: string): Promise<{ arn: string; key: Credentials }> {
    const iam = iamClient(admin);
    const created = await iam.send(new CreateUserCommand({ UserName: name }));
    assert.equal(created.User?.Arn, `arn:aws:iam::${admin.registryId}:user/${name}`);
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
    assert.equal(key.AccessKey?.Status, 'Active');
    if (policy) await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'inline', PolicyDocument: policy }));
    return { arn: created.User!.Arn!, key: { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! } };
  }

  /** GetAuthorizationToken through the SDK, decoded to the Basic credentials clients send. */
  async function loginToken(creds: Credentials): Promise<{ authorization: string; expiresAt: Date; proxyEndpoint: string }> {
    const out = await ecr(creds).send(new GetAuthorizationTokenCommand({}));
    assert.equal(out.authorizationData?.length, 1);
    const data = out.authorizationData![0]!;
    const { username, password } = decodeAuthorizationToken(data.authorizationToken!);
    assert.equal(username, 'AWS');
    assert.ok(data.expiresAt instanceof Date, `expiresAt ${String(data.expiresAt)}`);
    return { authorization: basicAuth(username, password), expiresAt: data.expiresAt, proxyEndpoint: data.proxyEndpoint! };
  }

  // pusher and puller plus one pushed image, created once.
  let coreOnce: Promise<{ pusher: Credentials; puller: Credentials; image: PushedImage }> | undefined;
  const core = () =>
    (coreOnce ??= (async () => {
      const [pusher, puller] = await Promise.all([createUser('pusher', allowPolicy(PUSH_ACTIONS)), createUser('puller', allowPolicy(PULL_ACTIONS))]);
      const { authorization } = await loginToken(pusher.key);
      const pushed = await pushSmallImage(server, 'sdk/app', 'v1', authorization, 'sdk');
      const last = pushed.responses.at(-1)!;
      assert.ok(pushed.image, describeV2('pusher pushing sdk/app:v1', last, server));
      return { pusher: pusher.key, puller: puller.key, image: pushed.image };
    })());

  it('GetAuthorizationToken gives 12 h Basic credentials: the pusher pushes, the puller pulls the same bytes and may not push', async () => {
    const { pusher, puller, image } = await core();
    const before = Date.now();
    const pusherLogin = await loginToken(pusher);
    const twelveHours = 12 * 3600_000;
    assert.ok(
      Math.abs(pusherLogin.expiresAt.getTime() - (before + twelveHours)) < 60_000,
      `expiresAt ${pusherLogin.expiresAt.toISOString()} is not ~12 h ahead`,
    );
    assert.equal(pusherLogin.proxyEndpoint, server.url);

    const ping = await v2(server, 'GET', '/v2/', pusherLogin.authorization);
    assert.equal(ping.status, 200, describeV2('/v2/ with the pusher token', ping, server));

    const pullerLogin = await loginToken(puller);
    const manifest = await v2(server, 'GET', '/v2/sdk/app/manifests/v1', pullerLogin.authorization, { headers: { accept: MEDIA_TYPE_OCI_MANIFEST } });
    assert.equal(manifest.status, 200, describeV2('puller reading the manifest', manifest, server));
    assert.equal(manifest.headers.get('docker-content-digest'), image.manifestDigest);
    assert.deepEqual(manifest.body, image.manifest);
    const layer = await v2(server, 'GET', `/v2/sdk/app/blobs/${image.layerDigest}`, pullerLogin.authorization);
    assert.equal(layer.status, 200, describeV2('puller reading the layer', layer, server));
    assert.equal(layer.body.toString('utf8'), 'layer sdk\n');

    const pullerPush = await pushSmallImage(server, 'sdk/app', 'from-puller', pullerLogin.authorization, 'puller');
    const refused = pullerPush.responses.at(-1)!;
    assert.equal(pullerPush.image, undefined, 'the puller pushed an image');
    assert.equal(refused.status, 403, describeV2('puller pushing', refused, server));
    assert.deepEqual(refused.errorCodes, ['DENIED']);

    const noAuth = await v2(server, 'GET', '/v2/sdk/app/manifests/v1');
    assert.equal(noAuth.status, 401);
    assert.match(noAuth.headers.get('www-authenticate') ?? '', /^Basic realm=/);
  });

  it('repository policies: Set/Get/DeleteRepositoryPolicy, with the SDK error names ECR uses', async () => {
    await core();
    const client = ecr(admin);
    const notFound = await rejectsWith(() => client.send(new GetRepositoryPolicyCommand({ repositoryName: 'sdk/app' })), 'RepositoryPolicyNotFoundException', server);
    assert.equal(notFound.$metadata?.httpStatusCode, 400);
    await rejectsWith(() => client.send(new GetRepositoryPolicyCommand({ repositoryName: 'sdk/missing' })), 'RepositoryNotFoundException', server);
    await rejectsWith(
      () => client.send(new SetRepositoryPolicyCommand({ repositoryName: 'sdk/app', policyText: '{"Statement":' })),
      'InvalidParameterException',
      server,
    );
    await rejectsWith(() => client.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'sdk/app' })), 'RepositoryPolicyNotFoundException', server);

    const set = await client.send(new SetRepositoryPolicyCommand({ repositoryName: 'sdk/app', policyText: PUBLIC_PULL_POLICY }));
    assert.equal(set.registryId, admin.registryId);
    assert.equal(set.repositoryName, 'sdk/app');
    assert.deepEqual(JSON.parse(set.policyText!), JSON.parse(PUBLIC_PULL_POLICY));
    const got = await client.send(new GetRepositoryPolicyCommand({ repositoryName: 'sdk/app', registryId: admin.registryId }));
    assert.deepEqual(JSON.parse(got.policyText!), JSON.parse(PUBLIC_PULL_POLICY));
    await rejectsWith(
      () => client.send(new GetRepositoryPolicyCommand({ repositoryName: 'sdk/app', registryId: '000000000000' })),
      'RegistryNotFoundException',
      server,
    );

    // The policy makes the repository public: anonymous reads work (fetch sends no Authorization).
    const anonymous = await v2(server, 'GET', '/v2/sdk/app/manifests/v1', undefined, { headers: { accept: MEDIA_TYPE_OCI_MANIFEST } });
    assert.equal(anonymous.status, 200, describeV2('anonymous read of a public repository', anonymous, server));

    const deleted = await client.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'sdk/app' }));
    assert.deepEqual(JSON.parse(deleted.policyText!), JSON.parse(PUBLIC_PULL_POLICY));
    await rejectsWith(() => client.send(new GetRepositoryPolicyCommand({ repositoryName: 'sdk/app' })), 'RepositoryPolicyNotFoundException', server);
    const afterDelete = await v2(server, 'GET', '/v2/sdk/app/manifests/v1', undefined, { headers: { accept: MEDIA_TYPE_OCI_MANIFEST } });
    assert.equal(afterDelete.status, 401, describeV2('anonymous read after the policy was deleted', afterDelete, server));
  });

  it('registry policies: Put/Get/DeleteRegistryPolicy; a registry policy grants across repositories', async () => {
    const { image } = await core();
    const client = ecr(admin);
    await rejectsWith(() => client.send(new GetRegistryPolicyCommand({})), 'RegistryPolicyNotFoundException', server);
    await rejectsWith(() => client.send(new DeleteRegistryPolicyCommand({})), 'RegistryPolicyNotFoundException', server);
    await rejectsWith(() => client.send(new PutRegistryPolicyCommand({ policyText: 'nope' })), 'InvalidParameterException', server);

    const reader = await createUser('registry-reader');
    const readerAuth = basicAuth(reader.key.accessKeyId, reader.key.secretAccessKey);
    const path = '/v2/sdk/app/manifests/v1';
    const headers = { accept: MEDIA_TYPE_OCI_MANIFEST };
    const before = await v2(server, 'GET', path, readerAuth, { headers });
    assert.equal(before.status, 403, describeV2('a user without policies reading', before, server));

    const registryPolicy = policyDocument({
      Sid: 'ReaderPullsEverything',
      Effect: 'Allow',
      Principal: { AWS: reader.arn },
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Resource: `arn:aws:ecr:${REGION}:${admin.registryId}:repository/*`,
    });
    const put = await client.send(new PutRegistryPolicyCommand({ policyText: registryPolicy }));
    assert.equal(put.registryId, admin.registryId);
    assert.deepEqual(JSON.parse(put.policyText!), JSON.parse(registryPolicy));
    const got = await client.send(new GetRegistryPolicyCommand({}));
    assert.deepEqual(JSON.parse(got.policyText!), JSON.parse(registryPolicy));

    const granted = await v2(server, 'GET', path, readerAuth, { headers });
    assert.equal(granted.status, 200, describeV2('reading with the registry policy in place', granted, server));
    assert.equal(granted.headers.get('docker-content-digest'), image.manifestDigest);

    const deleted = await client.send(new DeleteRegistryPolicyCommand({}));
    assert.deepEqual(JSON.parse(deleted.policyText!), JSON.parse(registryPolicy));
    await rejectsWith(() => client.send(new GetRegistryPolicyCommand({})), 'RegistryPolicyNotFoundException', server);
    const revoked = await v2(server, 'GET', path, readerAuth, { headers });
    assert.equal(revoked.status, 403, describeV2('reading after the registry policy was deleted', revoked, server));
  });

  it('IAM users: CreateUser/ListUsers/DeleteUser round trip with the SDK error names IAM uses', async () => {
    const iam = iamClient(admin);
    const created = await iam.send(new CreateUserCommand({ UserName: 'sdk-temp', Path: '/ci/' }));
    assert.equal(created.User?.UserName, 'sdk-temp');
    assert.equal(created.User?.Path, '/ci/');
    assert.equal(created.User?.Arn, `arn:aws:iam::${admin.registryId}:user/ci/sdk-temp`);
    assert.match(created.User?.UserId ?? '', /^AIDA[A-Z2-7]{16}$/);
    assert.ok(created.User?.CreateDate instanceof Date && Math.abs(created.User.CreateDate.getTime() - Date.now()) < 60_000, 'CreateDate');
    await rejectsWith(() => iam.send(new CreateUserCommand({ UserName: 'sdk-temp' })), 'EntityAlreadyExistsException', server);

    const listed = await iam.send(new ListUsersCommand({}));
    assert.ok(listed.Users?.some((u) => u.UserName === 'sdk-temp' && u.Arn === created.User?.Arn), JSON.stringify(listed.Users));
    assert.ok(listed.Users?.some((u) => u.UserName === 'admin'));
    // Paging: one user a page, following Marker, visits every user once.
    const names: string[] = [];
    let marker: string | undefined;
    for (let pages = 0; pages < 50; pages++) {
      const page = await iam.send(new ListUsersCommand({ MaxItems: 1, ...(marker ? { Marker: marker } : {}) }));
      names.push(...(page.Users ?? []).map((u) => u.UserName!));
      if (!page.IsTruncated) break;
      marker = page.Marker;
      assert.ok(marker, 'a truncated page has a Marker');
    }
    assert.deepEqual(names, [...(listed.Users ?? []).map((u) => u.UserName!)].sort());

    // A user with a key and a policy cannot be deleted until they are gone.
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'sdk-temp' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'sdk-temp', PolicyName: 'pull', PolicyDocument: allowPolicy(PULL_ACTIONS) }));
    await rejectsWith(() => iam.send(new DeleteUserCommand({ UserName: 'sdk-temp' })), 'DeleteConflictException', server);
    await rejectsWith(
      () => iam.send(new PutUserPolicyCommand({ UserName: 'sdk-temp', PolicyName: 'bad', PolicyDocument: '{"Statement":[]}' })),
      'MalformedPolicyDocumentException',
      server,
    );
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'sdk-temp', AccessKeyId: key.AccessKey!.AccessKeyId! }));
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'sdk-temp', PolicyName: 'pull' }));
    await iam.send(new DeleteUserCommand({ UserName: 'sdk-temp' }));

    const after = await iam.send(new ListUsersCommand({}));
    assert.ok(!after.Users?.some((u) => u.UserName === 'sdk-temp'), JSON.stringify(after.Users));
    const gone = await rejectsWith(() => iam.send(new GetUserCommand({ UserName: 'sdk-temp' })), 'NoSuchEntityException', server);
    assert.equal(gone.$metadata?.httpStatusCode, 404);
    await rejectsWith(() => iam.send(new DeleteUserCommand({ UserName: 'sdk-temp' })), 'NoSuchEntityException', server);
  });

  it('STS: GetCallerIdentity for users and role sessions; AssumeRole credentials work with ECR', async () => {
    const { puller } = await core();
    const me = await sts(admin).send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, `arn:aws:iam::${admin.registryId}:user/admin`);
    assert.equal(me.Account, admin.registryId);
    assert.match(me.UserId ?? '', /^AIDA[A-Z2-7]{16}$/);
    const pullerIdentity = await sts(puller).send(new GetCallerIdentityCommand({}));
    assert.equal(pullerIdentity.Arn, `arn:aws:iam::${admin.registryId}:user/puller`);

    const iam = iamClient(admin);
    const role = await iam.send(new CreateRoleCommand({ RoleName: 'sdk-pull', AssumeRolePolicyDocument: trustPolicy(pullerIdentity.Arn!) }));
    assert.equal(role.Role?.Arn, `arn:aws:iam::${admin.registryId}:role/sdk-pull`);
    assert.deepEqual(JSON.parse(decodeURIComponent(role.Role!.AssumeRolePolicyDocument!)), JSON.parse(trustPolicy(pullerIdentity.Arn!)));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'sdk-pull', PolicyName: 'pull', PolicyDocument: allowPolicy(PULL_ACTIONS) }));

    const assumed = await sts(puller).send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: 'sdk', DurationSeconds: 900 }));
    const c = assumed.Credentials!;
    assert.match(c.AccessKeyId!, /^ASIA[A-Z2-7]{16}$/);
    assert.ok(c.Expiration instanceof Date && Math.abs(c.Expiration.getTime() - (Date.now() + 900_000)) < 60_000, `Expiration ${String(c.Expiration)}`);
    const session: Credentials = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    const sessionIdentity = await sts(session).send(new GetCallerIdentityCommand({}));
    assert.equal(sessionIdentity.Arn, `arn:aws:sts::${admin.registryId}:assumed-role/sdk-pull/sdk`);
    assert.equal(sessionIdentity.Arn, assumed.AssumedRoleUser?.Arn);

    const login = await loginToken(session);
    assert.ok(login.expiresAt.getTime() <= c.Expiration.getTime() + 1, 'a login token from a role session outlives the session');
    const manifest = await v2(server, 'GET', '/v2/sdk/app/manifests/v1', login.authorization, { headers: { accept: MEDIA_TYPE_OCI_MANIFEST } });
    assert.equal(manifest.status, 200, describeV2('role session reading', manifest, server));

    // Without the session token the temporary key is not accepted.
    await rejectsWith(
      () => ecr({ accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey }).send(new GetAuthorizationTokenCommand({})),
      'UnrecognizedClientException',
      server,
    );
  });

  it("AssumeRole needs the role's trust policy: an identity policy allowing everything does not let the admin assume a role trusting only the puller", async () => {
    const { puller } = await core();
    const iam = iamClient(admin);
    const pullerArn = `arn:aws:iam::${admin.registryId}:user/puller`;
    const role = await iam.send(new CreateRoleCommand({ RoleName: 'sdk-puller-only', AssumeRolePolicyDocument: trustPolicy(pullerArn) }));
    // IAM: "role trust policies ... must explicitly allow access for principals"; the caller's own
    // Allow of sts:AssumeRole (here the administrator's Allow * on *) is not enough.
    await rejectsWith(() => sts(admin).send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: 'admin' })), 'AccessDenied', server);
    // The trusted user can.
    const assumed = await sts(puller).send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: 'puller', DurationSeconds: 900 }));
    assert.equal(assumed.AssumedRoleUser?.Arn, `arn:aws:sts::${admin.registryId}:assumed-role/sdk-puller-only/puller`);
  });

  it('SigV4 and authorization failures surface as the SDK error names AWS uses', async () => {
    const { puller } = await core();
    const nobody = await createUser('nobody');
    await rejectsWith(() => ecr(nobody.key).send(new GetAuthorizationTokenCommand({})), 'AccessDeniedException', server);
    await rejectsWith(() => iamClient(nobody.key).send(new ListUsersCommand({})), 'AccessDenied', server);
    await rejectsWith(() => ecr(puller).send(new SetRepositoryPolicyCommand({ repositoryName: 'sdk/app', policyText: PUBLIC_PULL_POLICY })), 'AccessDeniedException', server);
    // No permission is needed to ask who you are.
    const whoami = await sts(nobody.key).send(new GetCallerIdentityCommand({}));
    assert.equal(whoami.Arn, nobody.arn);

    const wrongSecret: Credentials = { accessKeyId: puller.accessKeyId, secretAccessKey: `${puller.secretAccessKey.slice(0, -1)}${puller.secretAccessKey.endsWith('A') ? 'B' : 'A'}` };
    const unknownKey: Credentials = { accessKeyId: 'AKIAZZZZZZZZZZZZZZZZ', secretAccessKey: puller.secretAccessKey };
    await rejectsWith(() => ecr(wrongSecret).send(new GetAuthorizationTokenCommand({})), 'InvalidSignatureException', server);
    await rejectsWith(() => iamClient(wrongSecret).send(new GetUserCommand({})), 'SignatureDoesNotMatch', server);
    await rejectsWith(() => sts(wrongSecret).send(new GetCallerIdentityCommand({})), 'SignatureDoesNotMatch', server);
    await rejectsWith(() => ecr(unknownKey).send(new GetAuthorizationTokenCommand({})), 'UnrecognizedClientException', server);
    await rejectsWith(() => iamClient(unknownKey).send(new GetUserCommand({})), 'InvalidClientTokenId', server);
    await rejectsWith(() => sts(unknownKey).send(new GetCallerIdentityCommand({})), 'InvalidClientTokenId', server);
  });
});
