// End-to-end tests of identity and access with the real AWS CLI (Debian's awscli v2 at
// /usr/bin/aws) and skopeo against a real `wharf serve` with authentication on, on 127.0.0.1:
// IAM users, access keys and inline policies; ECR login tokens; SigV4 failures; repository
// policies and anonymous pulls; roles and expiring STS sessions; aws:SourceIp; the failed-login
// rate limit. The CLI and skopeo run with private configuration, credentials and auth files only.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { buildMultiArchLayout, readOciLayout, type MultiArchLayout } from '../helpers/oci-layout.js';
import { makeTempDir, type WharfProcess } from '../helpers/server.js';
import { describeRun, makeContainersSandbox, onPath, run, type ContainersSandbox, type RunResult } from './client-tools.js';
import {
  HAVE_AWS_CLI,
  PULL_ACTIONS,
  PUBLIC_PULL_POLICY,
  PUSH_ACTIONS,
  allowPolicy,
  basicAuth,
  decodeAuthorizationToken,
  describeV2,
  makeAwsCli,
  policyDocument,
  serverLogTail,
  startIamWharf,
  tamper,
  trustPolicy,
  v2,
  type AdminCredentials,
  type AwsCli,
  type Credentials,
  type IamServer,
} from './iam-helpers.js';

const SKIP = !HAVE_AWS_CLI
  ? 'the AWS CLI is not at /usr/bin/aws: install it (Debian package "awscli") to run the IAM e2e tests with the AWS CLI'
  : !onPath('skopeo')
    ? 'skopeo is not on PATH: install skopeo to run the IAM e2e tests with the AWS CLI'
    : false;

const UNAUTHORIZED = /unauthorized|invalid username\/password|authentication required|401/i;
const DENIED = /denied|403/i;

interface AwsUser {
  name: string;
  arn: string;
  key: Credentials;
}

interface ListedKey {
  AccessKeyId: string;
  Status: string;
}

describe('e2e: identity and access with the AWS CLI and skopeo', { skip: SKIP, timeout: 180_000 }, () => {
  let iam: IamServer;
  let server: WharfProcess;
  let admin: AdminCredentials;
  let cli: AwsCli;
  let sandbox: ContainersSandbox;
  let layout: MultiArchLayout;
  const tempDirs: string[] = [];

  before(async () => {
    sandbox = makeContainersSandbox('wharf-e2e-iam-');
    layout = buildMultiArchLayout({ tag: 'v1', salt: 'iam-awscli' });
    iam = await startIamWharf(['--sts-min-session-seconds', '1', '--auth-failure-limit', '10000']);
    server = iam.server;
    admin = iam.admin;
    const awsDir = join(sandbox.dir, 'aws');
    mkdirSync(awsDir);
    cli = makeAwsCli(server, awsDir);
  });

  after(async () => {
    await server?.dispose();
    await sandbox?.cleanup();
    layout?.cleanup();
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  const host = () => server.host;
  const ref = (path: string) => `docker://${server.host}/${path}`;
  const userArn = (name: string) => `arn:aws:iam::${admin.registryId}:user/${name}`;
  const log = () => serverLogTail(server);

  function assertOk(result: RunResult): RunResult {
    assert.equal(result.code, 0, describeRun(result, log()));
    return result;
  }

  function assertFails(result: RunResult, pattern: RegExp): RunResult {
    const detail = describeRun(result, log());
    assert.notEqual(result.code, 0, `expected the command to fail\n${detail}`);
    assert.match(result.stderr, pattern, `unexpected error output\n${detail}`);
    return result;
  }

  /** A fresh, empty auth file of our own (never the machine's). */
  function newAuthFile(name: string): string {
    const file = join(sandbox.dir, `auth-${name}-${Date.now()}.json`);
    writeFileSync(file, '{"auths":{}}\n', { mode: 0o600 });
    return file;
  }

  /** `aws ecr get-login-password | skopeo login --username AWS --password-stdin HOST`, as a shell pipeline. */
  async function pipeLogin(creds: Credentials, authFile: string): Promise<RunResult> {
    const script = '"$@" ecr get-login-password | skopeo --policy "$WHARF_POLICY" login --authfile "$WHARF_AUTHFILE" --tls-verify=false --username AWS --password-stdin "$WHARF_HOST"';
    // The sandbox's environment without any AWS_* variable of this machine's, then the CLI's own.
    const toolsEnv = Object.fromEntries(Object.entries(sandbox.env).filter(([name]) => !name.startsWith('AWS_')));
    return run('/bin/bash', ['-o', 'pipefail', '-c', script, 'login', ...cli.argv], {
      env: {
        ...toolsEnv,
        ...cli.env(creds),
        WHARF_POLICY: sandbox.policy,
        WHARF_AUTHFILE: authFile,
        WHARF_HOST: host(),
      },
      timeoutMs: 60_000,
    });
  }

  /** skopeo with a given password on stdin: login only (no pipeline). */
  function skopeoLogin(authFile: string, username: string, password: string): Promise<RunResult> {
    return sandbox.skopeo(['login', '--authfile', authFile, '--tls-verify=false', '--username', username, '--password-stdin', host()], {
      input: `${password}\n`,
    });
  }

  function inspectWith(creds: string | null, path: string): Promise<RunResult> {
    const auth = creds === null ? ['--authfile', newAuthFile('anonymous')] : ['--creds', creds];
    return sandbox.skopeo(['inspect', '--raw', '--tls-verify=false', ...auth, ref(path)]);
  }

  async function createUser(name: string, policy?: { name: string; document: string }): Promise<AwsUser> {
    const created = await cli.json<{ User: { UserName: string; Arn: string; UserId: string } }>(admin, ['iam', 'create-user', '--user-name', name]);
    assert.equal(created.User.UserName, name);
    assert.equal(created.User.Arn, userArn(name));
    assert.match(created.User.UserId, /^AIDA[A-Z2-7]{16}$/);
    const [key] = await Promise.all([
      createKey(name),
      policy ? cli.json(admin, ['iam', 'put-user-policy', '--user-name', name, '--policy-name', policy.name, '--policy-document', policy.document]) : null,
    ]);
    return { name, arn: created.User.Arn, key };
  }

  async function createKey(userName: string): Promise<Credentials> {
    const { AccessKey } = await cli.json<{ AccessKey: { UserName: string; AccessKeyId: string; SecretAccessKey: string; Status: string } }>(admin, [
      'iam', 'create-access-key', '--user-name', userName,
    ]);
    assert.equal(AccessKey.UserName, userName);
    assert.equal(AccessKey.Status, 'Active');
    assert.match(AccessKey.AccessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.ok(AccessKey.SecretAccessKey.length >= 40, 'secret access key length');
    return { accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey };
  }

  // pusher (push + pull) and puller (pull only), created once; later tests build on them.
  let usersOnce: Promise<{ pusher: AwsUser; puller: AwsUser }> | undefined;
  const users = () =>
    (usersOnce ??= (async () => {
      const [pusher, puller] = await Promise.all([
        createUser('pusher', { name: 'push', document: allowPolicy(PUSH_ACTIONS) }),
        createUser('puller', { name: 'pull', document: allowPolicy(PULL_ACTIONS) }),
      ]);
      return { pusher, puller };
    })());

  /** The layout, pushed by pusher as `path` (once per path). */
  const pushes = new Map<string, Promise<void>>();
  const pushedAs = (path: string) => {
    let pushed = pushes.get(path);
    if (!pushed) {
      pushed = (async () => {
        const { pusher } = await users();
        assertOk(
          await sandbox.skopeo([
            'copy', '--all', '--preserve-digests', '--dest-tls-verify=false',
            '--dest-creds', `${pusher.key.accessKeyId}:${pusher.key.secretAccessKey}`,
            `oci:${layout.dir}:${layout.tag}`, ref(path),
          ]),
        );
      })();
      pushes.set(path, pushed);
    }
    return pushed;
  };

  it('1. aws iam creates a pusher and a puller; each logs in with get-login-password; the pusher pushes, the puller pulls the same digests and may not push', async () => {
    const { pusher, puller } = await users();

    // The policies read back as they were put.
    const got = await cli.json<{ UserName: string; PolicyName: string; PolicyDocument: unknown }>(admin, [
      'iam', 'get-user-policy', '--user-name', 'puller', '--policy-name', 'pull',
    ]);
    assert.deepEqual(got, { UserName: 'puller', PolicyName: 'pull', PolicyDocument: JSON.parse(allowPolicy(PULL_ACTIONS)) });
    const listed = await cli.json<{ Users: Array<{ UserName: string; Arn: string }> }>(admin, ['iam', 'list-users']);
    for (const name of ['admin', 'puller', 'pusher']) {
      assert.equal(listed.Users.find((u) => u.UserName === name)?.Arn, userArn(name), `list-users: ${JSON.stringify(listed.Users)}`);
    }

    const pusherAuth = newAuthFile('pusher');
    const pullerAuth = newAuthFile('puller');
    const [pusherLogin, pullerLogin] = await Promise.all([pipeLogin(pusher.key, pusherAuth), pipeLogin(puller.key, pullerAuth)]);
    assert.match(assertOk(pusherLogin).stdout, /Login Succeeded/);
    assert.match(assertOk(pullerLogin).stdout, /Login Succeeded/);
    for (const file of [pusherAuth, pullerAuth]) {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as { auths?: Record<string, { auth?: string }> };
      const entry = stored.auths?.[host()]?.auth;
      assert.ok(entry, `${file} has no entry for ${host()}: ${JSON.stringify(stored)}`);
      const { username, password } = decodeAuthorizationToken(entry);
      assert.equal(username, 'AWS');
      assert.ok(password.length > 20, 'stored login password');
    }

    // pusher pushes the multi-arch layout with the stored login.
    assertOk(
      await sandbox.skopeo([
        'copy', '--all', '--preserve-digests', '--dest-tls-verify=false', '--authfile', pusherAuth,
        `oci:${layout.dir}:${layout.tag}`, ref('team/app:v1'),
      ]),
    );

    // puller pulls it back: the same index and the same seven blobs.
    const out = makeTempDir('wharf-e2e-iam-pull-');
    tempDirs.push(out);
    assertOk(
      await sandbox.skopeo([
        'copy', '--all', '--preserve-digests', '--src-tls-verify=false', '--authfile', pullerAuth,
        ref('team/app:v1'), `oci:${out}:v1`,
      ]),
    );
    const pulled = readOciLayout(out);
    assert.equal(pulled.findRef('v1')?.digest, layout.index.digest, 'index digest pulled by puller');
    assert.deepEqual(pulled.blobDigests, layout.blobDigests, 'blobs pulled by puller');
    const raw = assertOk(await sandbox.skopeo(['inspect', '--raw', '--tls-verify=false', '--authfile', pullerAuth, ref('team/app:v1')]));
    assert.equal(raw.stdout, layout.index.bytes.toString('utf8'));

    // puller may not push: not as a new tag of the same repository, not to a new repository.
    for (const target of ['team/app:from-puller', 'puller/own:v1']) {
      assertFails(
        await sandbox.skopeo([
          'copy', '--all', '--preserve-digests', '--dest-tls-verify=false', '--authfile', pullerAuth,
          `oci:${layout.dir}:${layout.tag}`, ref(target),
        ]),
        /denied/i,
      );
    }
    // On the wire: 403 with the OCI code DENIED (not 401: the puller is known, just not allowed).
    const { password: pullerToken } = decodeAuthorizationToken(
      (JSON.parse(readFileSync(pullerAuth, 'utf8')) as { auths: Record<string, { auth: string }> }).auths[host()]!.auth,
    );
    const upload = await v2(server, 'POST', '/v2/team/app/blobs/uploads/', basicAuth('AWS', pullerToken));
    assert.equal(upload.status, 403, describeV2('puller starting an upload', upload, server));
    assert.deepEqual(upload.errorCodes, ['DENIED']);
    const manifestPut = await v2(server, 'PUT', '/v2/team/app/manifests/from-puller', basicAuth('AWS', pullerToken), {
      body: layout.index.bytes,
      headers: { 'content-type': layout.index.mediaType },
    });
    assert.equal(manifestPut.status, 403, describeV2('puller putting a manifest', manifestPut, server));
    assert.deepEqual(manifestPut.errorCodes, ['DENIED']);
    const tags = await v2(server, 'GET', '/v2/team/app/tags/list', basicAuth('AWS', pullerToken));
    assert.equal(tags.status, 403, describeV2('puller listing tags without ecr:ListImages', tags, server));
  });

  it('2. login tokens: 12 h expiry, tampered tokens refused, tokens die with a deactivated or deleted key', async () => {
    await pushedAs('team/app:v1');
    const rotator = await createUser('rotator', { name: 'pull', document: allowPolicy(PULL_ACTIONS) });
    const k1 = rotator.key;
    const k2 = await createKey('rotator');

    // get-authorization-token: expires ~12 h from now, names this endpoint, decodes to AWS:<token>.
    const before = Date.now();
    const tokenResult = await cli.json<{ authorizationData: Array<{ authorizationToken: string; expiresAt: string; proxyEndpoint: string }> }>(k1, [
      'ecr', 'get-authorization-token',
    ]);
    const data = tokenResult.authorizationData;
    assert.equal(data.length, 1);
    const expiresAt = Date.parse(data[0]!.expiresAt);
    assert.ok(Number.isFinite(expiresAt), `expiresAt ${data[0]!.expiresAt}`);
    const twelveHours = 12 * 3600_000;
    assert.ok(
      expiresAt >= before + twelveHours - 5_000 && expiresAt <= Date.now() + twelveHours + 5_000,
      `expiresAt ${data[0]!.expiresAt} is not ~12 h after ${new Date(before).toISOString()}`,
    );
    assert.equal(data[0]!.proxyEndpoint, server.url);
    const decoded = decodeAuthorizationToken(data[0]!.authorizationToken);
    assert.equal(decoded.username, 'AWS');

    const token1 = decoded.password;
    const token2 = await cli.loginPassword(k2);
    assert.notEqual(token1, token2);
    assertOk(await inspectWith(`AWS:${token1}`, 'team/app:v1'));
    assertOk(await inspectWith(`AWS:${token2}`, 'team/app:v1'));

    // Tampered tokens: one character changed in the middle, near the start, near the end; truncated.
    const tampered = [tamper(token1), tamper(token1, 10), tamper(token1, token1.length - 5), token1.slice(0, -3)];
    for (const bad of tampered) {
      assert.notEqual(bad, token1);
      const response = await v2(server, 'GET', '/v2/', basicAuth('AWS', bad));
      assert.equal(response.status, 401, describeV2(`/v2/ with a tampered token ${bad}`, response, server));
      assert.match(response.headers.get('www-authenticate') ?? '', /^Basic realm="[^"]*"/);
      assert.deepEqual(response.errorCodes, ['UNAUTHORIZED']);
    }
    assertFails(await skopeoLogin(newAuthFile('tampered'), 'AWS', tampered[0]!), UNAUTHORIZED);
    assertFails(await inspectWith(`AWS:${tampered[0]!}`, 'team/app:v1'), UNAUTHORIZED);
    // The genuine token still logs in.
    assert.match(assertOk(await skopeoLogin(newAuthFile('genuine'), 'AWS', token1)).stdout, /Login Succeeded/);

    // Deactivating key 1 kills its tokens (and the key itself); key 2's token is unaffected.
    await cli.json(admin, ['iam', 'update-access-key', '--user-name', 'rotator', '--access-key-id', k1.accessKeyId, '--status', 'Inactive']);
    assertFails(await inspectWith(`AWS:${token1}`, 'team/app:v1'), UNAUTHORIZED);
    assertFails(await skopeoLogin(newAuthFile('inactive'), 'AWS', token1), UNAUTHORIZED);
    const inactiveBasic = await v2(server, 'GET', '/v2/team/app/manifests/v1', basicAuth(k1.accessKeyId, k1.secretAccessKey));
    assert.equal(inactiveBasic.status, 401, describeV2('the inactive key as Basic credentials', inactiveBasic, server));
    await cli.fails(k1, ['ecr', 'get-authorization-token'], 'UnrecognizedClientException');
    assertOk(await inspectWith(`AWS:${token2}`, 'team/app:v1'));

    // Deleting key 2 kills its token too.
    await cli.json(admin, ['iam', 'delete-access-key', '--user-name', 'rotator', '--access-key-id', k2.accessKeyId]);
    assertFails(await inspectWith(`AWS:${token2}`, 'team/app:v1'), UNAUTHORIZED);
    const deletedBasic = await v2(server, 'GET', '/v2/', basicAuth('AWS', token2));
    assert.equal(deletedBasic.status, 401, describeV2('a token of a deleted key', deletedBasic, server));
    const [remaining] = await Promise.all([
      cli.json<{ AccessKeyMetadata: ListedKey[] }>(admin, ['iam', 'list-access-keys', '--user-name', 'rotator']),
      cli.fails(k2, ['sts', 'get-caller-identity'], 'InvalidClientTokenId'),
    ]);
    assert.deepEqual(remaining.AccessKeyMetadata.map((k) => [k.AccessKeyId, k.Status]), [[k1.accessKeyId, 'Inactive']]);
  });

  it('3. signature failures: wrong secret, unknown key id and unsigned requests get the AWS error codes', async () => {
    const { puller } = await users();
    const secret = puller.key.secretAccessKey;
    const wrongSecret: Credentials = { accessKeyId: puller.key.accessKeyId, secretAccessKey: `${secret[0] === 'x' ? 'y' : 'x'}${secret.slice(1)}` };
    const unknownKey: Credentials = { accessKeyId: 'AKIAZZZZZZZZZZZZZZZZ', secretAccessKey: puller.key.secretAccessKey };
    const [, , , , , , identity] = await Promise.all([
      cli.fails(wrongSecret, ['ecr', 'get-authorization-token'], 'InvalidSignatureException'),
      cli.fails(wrongSecret, ['iam', 'get-user'], 'SignatureDoesNotMatch'),
      cli.fails(unknownKey, ['ecr', 'get-authorization-token'], 'UnrecognizedClientException'),
      cli.fails(unknownKey, ['iam', 'get-user'], 'InvalidClientTokenId'),
      cli.fails(null, ['ecr', 'get-authorization-token'], 'MissingAuthenticationTokenException'),
      // A user without IAM permissions is refused IAM actions, with AccessDenied.
      cli.fails(puller.key, ['iam', 'list-users'], 'AccessDenied'),
      // The genuine key works, and is who it says it is.
      cli.json<{ Arn: string; Account: string }>(puller.key, ['sts', 'get-caller-identity']),
    ]);
    assert.equal(identity.Arn, userArn('puller'));
    assert.equal(identity.Account, admin.registryId);
  });

  it('4a. repository policies: not found before one is set, invalid text refused, set and read back', async () => {
    await Promise.all([pushedAs('pub/app:v1'), pushedAs('priv/app:v1')]);
    await cli.fails(admin, ['ecr', 'get-repository-policy', '--repository-name', 'pub/app'], 'RepositoryPolicyNotFoundException');
    await cli.fails(admin, ['ecr', 'get-repository-policy', '--repository-name', 'no/such-repo'], 'RepositoryNotFoundException');
    await cli.fails(admin, ['ecr', 'set-repository-policy', '--repository-name', 'pub/app', '--policy-text', 'this is not json'], 'InvalidParameterException');
    await cli.fails(
      admin,
      // A resource policy statement without a Principal.
      ['ecr', 'set-repository-policy', '--repository-name', 'pub/app', '--policy-text', policyDocument({ Effect: 'Allow', Action: 'ecr:BatchGetImage' })],
      'InvalidParameterException',
    );

    const set = await cli.json<{ registryId: string; repositoryName: string; policyText: string }>(admin, [
      'ecr', 'set-repository-policy', '--repository-name', 'pub/app', '--policy-text', PUBLIC_PULL_POLICY,
    ]);
    assert.equal(set.registryId, admin.registryId);
    assert.equal(set.repositoryName, 'pub/app');
    assert.deepEqual(JSON.parse(set.policyText), JSON.parse(PUBLIC_PULL_POLICY));
    const got = await cli.json<{ repositoryName: string; policyText: string }>(admin, ['ecr', 'get-repository-policy', '--repository-name', 'pub/app']);
    assert.deepEqual(JSON.parse(got.policyText), JSON.parse(PUBLIC_PULL_POLICY));
    // Setting a repository policy needs ecr:SetRepositoryPolicy, which the pusher does not have.
    const { pusher } = await users();
    await cli.fails(pusher.key, ['ecr', 'set-repository-policy', '--repository-name', 'priv/app', '--policy-text', PUBLIC_PULL_POLICY], 'AccessDeniedException');
  });

  /** Waits for 4a's policy (tests run in order; this keeps 4b/4c meaningful when run alone). */
  async function publicRepository(): Promise<void> {
    await Promise.all([pushedAs('pub/app:v1'), pushedAs('priv/app:v1')]);
    const got = await cli.run(admin, ['ecr', 'get-repository-policy', '--repository-name', 'pub/app']);
    if (got.code !== 0) await cli.json(admin, ['ecr', 'set-repository-policy', '--repository-name', 'pub/app', '--policy-text', PUBLIC_PULL_POLICY]);
  }

  it('4b. public repository over HTTP: anonymous reads of pub/app succeed, priv/app and writes are challenged', async () => {
    await publicRepository();
    const accept = { accept: [layout.index.mediaType, 'application/vnd.oci.image.manifest.v1+json'].join(', ') };
    const manifest = await v2(server, 'GET', '/v2/pub/app/manifests/v1', undefined, { headers: accept });
    assert.equal(manifest.status, 200, describeV2('anonymous GET of pub/app:v1', manifest, server));
    assert.equal(manifest.headers.get('docker-content-digest'), layout.index.digest);
    const layer = layout.images[0]!.layer.digest;
    const blob = await v2(server, 'GET', `/v2/pub/app/blobs/${layer}`);
    assert.equal(blob.status, 200, describeV2('anonymous GET of a pub/app blob', blob, server));

    for (const [method, path] of [
      ['GET', '/v2/priv/app/manifests/v1'],
      ['GET', `/v2/priv/app/blobs/${layer}`],
      ['POST', '/v2/pub/app/blobs/uploads/'],
      ['GET', '/v2/pub/app/tags/list'],
    ] as const) {
      const response = await v2(server, method, path, undefined, { headers: accept });
      assert.equal(response.status, 401, describeV2(`anonymous ${method} ${path}`, response, server));
      assert.match(response.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    }
  });

  it('4c. public repository with skopeo: anonymous inspect and copy of pub/app work (empty auth file); priv/app is unauthorized', async () => {
    await publicRepository();
    assertFails(await inspectWith(null, 'priv/app:v1'), UNAUTHORIZED);
    const raw = assertOk(await inspectWith(null, 'pub/app:v1'));
    assert.equal(raw.stdout, layout.index.bytes.toString('utf8'));
    const out = makeTempDir('wharf-e2e-iam-public-');
    tempDirs.push(out);
    assertOk(
      await sandbox.skopeo([
        'copy', '--all', '--preserve-digests', '--src-tls-verify=false', '--authfile', newAuthFile('anonymous-copy'),
        ref('pub/app:v1'), `oci:${out}:v1`,
      ]),
    );
    assert.equal(readOciLayout(out).findRef('v1')?.digest, layout.index.digest);
    assert.deepEqual(readOciLayout(out).blobDigests, layout.blobDigests);
  });

  it('5. roles: a trusted user assumes a pull role for 5 s; the session pulls, then its keys and its login token expire', async (t) => {
    await pushedAs('team/app:v1');
    const { puller, pusher } = await users();
    const roleName = 'ci-pull';
    const roleArn = `arn:aws:iam::${admin.registryId}:role/${roleName}`;
    const created = await cli.json<{ Role: { RoleName: string; Arn: string; RoleId: string; AssumeRolePolicyDocument: unknown } }>(admin, [
      'iam', 'create-role', '--role-name', roleName, '--assume-role-policy-document', trustPolicy(puller.arn),
    ]);
    assert.equal(created.Role.Arn, roleArn);
    assert.match(created.Role.RoleId, /^AROA[A-Z2-7]{16}$/);
    assert.deepEqual(created.Role.AssumeRolePolicyDocument, JSON.parse(trustPolicy(puller.arn)));
    await cli.json(admin, ['iam', 'put-role-policy', '--role-name', roleName, '--policy-name', 'pull', '--policy-document', allowPolicy(PULL_ACTIONS)]);
    const rolePolicy = await cli.json<{ PolicyDocument: unknown }>(admin, ['iam', 'get-role-policy', '--role-name', roleName, '--policy-name', 'pull']);
    assert.deepEqual(rolePolicy.PolicyDocument, JSON.parse(allowPolicy(PULL_ACTIONS)));

    // The pusher is not trusted by the role.
    await cli.fails(pusher.key, ['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'ci'], 'AccessDenied');

    // A 5 s session: everything it is used for runs inside it, then it is used again after it.
    // On a machine too loaded to finish the in-session steps in 5 s nothing can be judged, so the
    // same is tried with a longer session instead (logged as a diagnostic).
    const sessionArn = `arn:aws:sts::${admin.registryId}:assumed-role/${roleName}/ci`;
    let judged: { temp: Credentials; expiration: number; token: string } | undefined;
    for (const seconds of [5, 15, 40]) {
      const assumedAt = Date.now();
      const assumed = await cli.json<{
        Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string };
        AssumedRoleUser: { Arn: string; AssumedRoleId: string };
      }>(puller.key, ['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'ci', '--duration-seconds', String(seconds)]);
      const expiration = Date.parse(assumed.Credentials.Expiration);
      const temp: Credentials = {
        accessKeyId: assumed.Credentials.AccessKeyId,
        secretAccessKey: assumed.Credentials.SecretAccessKey,
        sessionToken: assumed.Credentials.SessionToken,
      };
      // In the session: who am I, a login token, a refused push, a pull.
      const [identity, token] = await Promise.all([
        cli.run(temp, ['sts', 'get-caller-identity']),
        cli.run(temp, ['ecr', 'get-login-password']),
      ]);
      const password = token.stdout.trim();
      const push = await v2(server, 'POST', '/v2/team/app/blobs/uploads/', basicAuth('AWS', password));
      const pull = await inspectWith(`AWS:${password}`, 'team/app:v1');
      const done = Date.now();
      if (done >= expiration - 200) {
        t.diagnostic(`the in-session steps took ${done - assumedAt} ms, longer than the ${seconds} s session; trying a longer session`);
        continue;
      }
      assert.equal(assumed.AssumedRoleUser.Arn, sessionArn);
      assert.match(assumed.AssumedRoleUser.AssumedRoleId, /^AROA[A-Z2-7]{16}:ci$/);
      assert.match(assumed.Credentials.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
      assert.ok(
        expiration >= assumedAt + seconds * 1000 - 1_000 && expiration <= done + seconds * 1000,
        `Expiration ${assumed.Credentials.Expiration} is not ${seconds} s after ${new Date(assumedAt).toISOString()}`,
      );
      const who = JSON.parse(assertOk(identity).stdout) as { Arn: string; Account: string; UserId: string };
      assert.deepEqual(who, { UserId: assumed.AssumedRoleUser.AssumedRoleId, Account: admin.registryId, Arn: sessionArn });
      assertOk(token);
      assert.equal(push.status, 403, describeV2('role session starting an upload (pull-only role)', push, server));
      assert.deepEqual(push.errorCodes, ['DENIED']);
      assert.equal(assertOk(pull).stdout, layout.index.bytes.toString('utf8'));
      judged = { temp, expiration, token: password };
      break;
    }
    assert.ok(judged, 'no session was long enough to run the in-session steps on this machine');
    const { temp, expiration, token } = judged;

    // After the session: the temporary keys and the login token are refused.
    await sleep(Math.max(0, expiration - Date.now()) + 1_000);
    await Promise.all([
      cli.fails(temp, ['ecr', 'get-authorization-token'], 'ExpiredTokenException'),
      cli.fails(temp, ['sts', 'get-caller-identity'], 'ExpiredToken'),
      // A wrong session token is not accepted either (expired or not).
      cli.fails({ ...temp, sessionToken: `${temp.sessionToken!.slice(0, -4)}AAAA` }, ['ecr', 'get-authorization-token'], 'UnrecognizedClientException'),
    ]);
    const expired = await v2(server, 'GET', '/v2/team/app/manifests/v1', basicAuth('AWS', token));
    assert.equal(expired.status, 401, describeV2('a login token of an expired role session', expired, server));
    assert.match(expired.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    assertFails(await inspectWith(`AWS:${token}`, 'team/app:v1'), UNAUTHORIZED);
  });

  it('5b. roles trusting the account root: a user needs sts:AssumeRole in its own policy too (as in IAM)', async () => {
    await pushedAs('team/app:v1');
    const roleName = 'ci-root';
    const roleArn = `arn:aws:iam::${admin.registryId}:role/${roleName}`;
    const accountRoot = `arn:aws:iam::${admin.registryId}:root`;
    // The pusher: a user of this account whose own policies allow nothing in sts.
    const { pusher } = await users();
    await cli.json(admin, ['iam', 'create-role', '--role-name', roleName, '--assume-role-policy-document', trustPolicy(accountRoot)]);
    await cli.json(admin, ['iam', 'put-role-policy', '--role-name', roleName, '--policy-name', 'pull', '--policy-document', allowPolicy(PULL_ACTIONS)]);

    // Trusting the account delegates to the account's own policies: without an identity policy
    // allowing sts:AssumeRole on the role, IAM refuses.
    await cli.fails(pusher.key, ['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'deploy'], 'AccessDenied');

    await cli.json(admin, [
      'iam', 'put-user-policy', '--user-name', 'pusher', '--policy-name', 'assume-ci-root',
      '--policy-document', allowPolicy(['sts:AssumeRole'], roleArn),
    ]);
    const assumed = await cli.json<{ AssumedRoleUser: { Arn: string }; Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } }>(
      pusher.key,
      ['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'deploy'],
    );
    assert.equal(assumed.AssumedRoleUser.Arn, `arn:aws:sts::${admin.registryId}:assumed-role/${roleName}/deploy`);
    const identity = await cli.json<{ Arn: string }>(
      { accessKeyId: assumed.Credentials.AccessKeyId, secretAccessKey: assumed.Credentials.SecretAccessKey, sessionToken: assumed.Credentials.SessionToken },
      ['sts', 'get-caller-identity'],
    );
    assert.equal(identity.Arn, assumed.AssumedRoleUser.Arn);
  });

  it("5c. a role's trust policy is required: the admin's Allow * does not let it assume a role that trusts only the puller (as in IAM)", async () => {
    const { puller } = await users();
    const roleName = 'puller-only';
    const roleArn = `arn:aws:iam::${admin.registryId}:role/${roleName}`;
    await cli.json(admin, ['iam', 'create-role', '--role-name', roleName, '--assume-role-policy-document', trustPolicy(puller.arn)]);
    // IAM evaluates role trust policies unlike other resource policies: they must allow the
    // caller explicitly (or its account, plus the caller's own policy); an identity policy alone,
    // even the administrator's Allow * on *, is not enough.
    await cli.fails(admin, ['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'admin'], 'AccessDenied');
  });

  it('6. aws:SourceIp: a Deny for 127.0.0.0/8 refuses that user (403) while others pull; NotIpAddress does not; an Allow for another range does not allow', async () => {
    await pushedAs('team/app:v1');
    const { puller } = await users();
    const range = { 'aws:SourceIp': '127.0.0.0/8' };
    const [ipDenied, ipNot, ipOnlyElsewhere] = await Promise.all([
      createUser('ip-denied', {
        name: 'pull-but-not-from-loopback',
        document: policyDocument(
          { Effect: 'Allow', Action: PULL_ACTIONS, Resource: '*' },
          { Effect: 'Deny', Action: 'ecr:*', Resource: '*', Condition: { IpAddress: range } },
        ),
      }),
      createUser('ip-not', {
        name: 'pull-deny-outside-loopback',
        document: policyDocument(
          { Effect: 'Allow', Action: PULL_ACTIONS, Resource: '*' },
          { Effect: 'Deny', Action: 'ecr:*', Resource: '*', Condition: { NotIpAddress: range } },
        ),
      }),
      createUser('ip-only-elsewhere', {
        name: 'pull-from-documentation-net',
        document: policyDocument({ Effect: 'Allow', Action: PULL_ACTIONS, Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '192.0.2.0/24' } } }),
      }),
    ]);
    const basic = (u: { key: Credentials }) => basicAuth(u.key.accessKeyId, u.key.secretAccessKey);
    const asBasic = (u: { key: Credentials }) => `${u.key.accessKeyId}:${u.key.secretAccessKey}`;

    // Denied: no login token, and /v2/ answers 403 DENIED (authenticated, not allowed).
    await cli.fails(ipDenied.key, ['ecr', 'get-authorization-token'], 'AccessDeniedException');
    const denied = await v2(server, 'GET', '/v2/team/app/manifests/v1', basic(ipDenied), { headers: { accept: layout.index.mediaType } });
    assert.equal(denied.status, 403, describeV2('ip-denied pulling a manifest', denied, server));
    assert.deepEqual(denied.errorCodes, ['DENIED']);
    assertFails(await inspectWith(asBasic(ipDenied), 'team/app:v1'), DENIED);
    const elsewhere = await v2(server, 'GET', '/v2/team/app/manifests/v1', basic(ipOnlyElsewhere), { headers: { accept: layout.index.mediaType } });
    assert.equal(elsewhere.status, 403, describeV2('ip-only-elsewhere pulling a manifest', elsewhere, server));
    assertFails(await inspectWith(asBasic(ipOnlyElsewhere), 'team/app:v1'), DENIED);

    // Allowed: the unconditioned puller; ip-not (its NotIpAddress deny does not apply here).
    const expected = layout.index.bytes.toString('utf8');
    assert.equal(assertOk(await inspectWith(asBasic(puller), 'team/app:v1')).stdout, expected);
    const ipNotToken = await cli.loginPassword(ipNot.key);
    assert.equal(assertOk(await inspectWith(`AWS:${ipNotToken}`, 'team/app:v1')).stdout, expected);
  });

  it('7. failed logins are rate limited per source address: with --auth-failure-limit 5 the 6th attempt gets 429', async () => {
    const limited = await startIamWharf(['--auth-failure-limit', '5']);
    try {
      const limitedCli = makeAwsCli(limited.server, join(sandbox.dir, 'aws'));
      const wrong = basicAuth(limited.admin.accessKeyId, `${limited.admin.secretAccessKey}x`);
      const right = basicAuth(limited.admin.accessKeyId, limited.admin.secretAccessKey);
      const ok = await v2(limited.server, 'GET', '/v2/', right);
      assert.equal(ok.status, 200, describeV2('the right key before any failure', ok, limited.server));
      for (let i = 1; i <= 5; i++) {
        const response = await v2(limited.server, 'GET', '/v2/', wrong);
        assert.equal(response.status, 401, describeV2(`failed login ${i} of 5`, response, limited.server));
      }
      const throttled = await v2(limited.server, 'GET', '/v2/', wrong);
      assert.equal(throttled.status, 429, describeV2('the 6th failed login', throttled, limited.server));
      assert.deepEqual(throttled.errorCodes, ['TOO_MANY_REQUESTS']);
      // While blocked, even the right credentials are refused, on every door.
      const blockedRight = await v2(limited.server, 'GET', '/v2/', right);
      assert.equal(blockedRight.status, 429, describeV2('the right key while the address is blocked', blockedRight, limited.server));
      // (Not checked with skopeo: containers/image retries 429 answers with backoff for ~30 s.)
      await limitedCli.fails(limited.admin, ['ecr', 'get-authorization-token'], 'ThrottlingException');
      await limitedCli.fails(limited.admin, ['iam', 'get-user'], 'Throttling');
    } finally {
      await limited.server.dispose();
    }
  });
});
