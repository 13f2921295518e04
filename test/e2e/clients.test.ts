// End-to-end tests with real registry clients (skopeo, buildah, podman) against a real
// `wharf serve` process over plain HTTP on 127.0.0.1. Every tool runs in a private sandbox
// (temp containers storage on vfs, temp auth file, temp registries/policy config).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';

import { makeTempDir, startWharf, type WharfProcess } from '../helpers/server.js';
import {
  MEDIA_TYPE_INDEX,
  MEDIA_TYPE_MANIFEST,
  buildMultiArchLayout,
  readOciLayout,
  readTarFiles,
  sha256Digest,
  type MultiArchLayout,
} from '../helpers/oci-layout.js';
import {
  describeRun,
  makeContainersSandbox,
  onPath,
  type ContainersSandbox,
  type RunResult,
} from './client-tools.js';

const MEDIA_TYPE_DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

const HAVE_SKOPEO = onPath('skopeo');
const HAVE_BUILDAH = onPath('buildah');
const HAVE_PODMAN = onPath('podman');
const SKIP_ALL = HAVE_SKOPEO
  ? false
  : 'skopeo is not on PATH: install skopeo (and buildah, podman) to run the registry-client e2e tests';

/** Asserts exit code 0; the message carries the command, its output and the server's log tail. */
function assertOk(result: RunResult, server?: WharfProcess): RunResult {
  assert.equal(result.code, 0, describeRun(result, server ? `wharf log (tail):\n${server.output().slice(-3000)}` : undefined));
  return result;
}

function assertFails(result: RunResult, pattern: RegExp, server?: WharfProcess): RunResult {
  const detail = describeRun(result, server ? `wharf log (tail):\n${server.output().slice(-3000)}` : undefined);
  assert.notEqual(result.code, 0, `expected the command to fail\n${detail}`);
  assert.match(result.stderr, pattern, `unexpected error output\n${detail}`);
  return result;
}

function listLayoutFiles(dir: string): string[] {
  return readdirSync(join(dir, 'blobs', 'sha256')).sort();
}

async function readAdminCredentials(dataDir: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const file = join(dataDir, 'admin-credentials.json');
  for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(100);
  const creds = JSON.parse(readFileSync(file, 'utf8')) as { accessKeyId?: unknown; secretAccessKey?: unknown };
  assert.equal(typeof creds.accessKeyId, 'string', `${file} has no accessKeyId`);
  assert.equal(typeof creds.secretAccessKey, 'string', `${file} has no secretAccessKey`);
  return { accessKeyId: creds.accessKeyId as string, secretAccessKey: creds.secretAccessKey as string };
}

describe('e2e: registry clients against wharf (anonymous)', { skip: SKIP_ALL, timeout: 180_000 }, () => {
  let server: WharfProcess;
  let sandbox: ContainersSandbox;
  let layout: MultiArchLayout;
  const tempDirs: string[] = [];
  let pushed: Promise<void> | undefined;

  before(async () => {
    sandbox = makeContainersSandbox();
    layout = buildMultiArchLayout({ tag: 'v1', salt: 'anonymous' });
    server = await startWharf({ anonymous: true });
  });

  after(async () => {
    await server?.dispose();
    await sandbox?.cleanup();
    layout?.cleanup();
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  const skopeo = (args: string[]) => sandbox.skopeo(args);
  const ref = (path: string) => `docker://${server.host}/${path}`;

  /** Pushes the layout as e2e/multi:v1 once; later tests build on it. */
  const pushLayout = () => {
    pushed ??= (async () => {
      assertOk(
        await skopeo([
          'copy', '--all', '--preserve-digests', '--dest-tls-verify=false', '--authfile', sandbox.authFile,
          `oci:${layout.dir}:${layout.tag}`, ref('e2e/multi:v1'),
        ]),
        server,
      );
    })();
    return pushed;
  };

  it('skopeo copy --all pushes and pulls a multi-arch OCI index with every digest preserved', async () => {
    await pushLayout();

    const out = makeTempDir('wharf-e2e-oci-out-');
    tempDirs.push(out);
    assertOk(
      await skopeo([
        'copy', '--all', '--preserve-digests', '--src-tls-verify=false', '--authfile', sandbox.authFile,
        ref('e2e/multi:v1'), `oci:${out}:v1`,
      ]),
      server,
    );

    const pulled = readOciLayout(out);
    const top = pulled.findRef('v1');
    assert.ok(top, `pulled layout has no v1 ref: ${JSON.stringify(pulled.refs)}`);
    assert.equal(top.digest, layout.index.digest, 'index digest changed in the round trip');
    assert.equal(top.mediaType, MEDIA_TYPE_INDEX);
    assert.equal(top.size, layout.index.size);

    const pulledIndex = JSON.parse(pulled.readBlob(top.digest).toString('utf8')) as {
      manifests: Array<{ digest: string; platform?: { architecture: string } }>;
    };
    assert.deepEqual(
      pulledIndex.manifests.map((m) => [m.platform?.architecture, m.digest]),
      layout.images.map((img) => [img.architecture, img.manifest.digest]),
      'manifest digests in the pulled index',
    );

    // Exactly the same 7 blobs (index, 2 manifests, 2 configs, 2 layers), byte for byte.
    assert.deepEqual(pulled.blobDigests, layout.blobDigests, 'set of blobs after the round trip');
    assert.deepEqual(listLayoutFiles(out), listLayoutFiles(layout.dir));
    for (const digest of pulled.blobDigests) {
      const bytes = pulled.readBlob(digest);
      assert.equal(sha256Digest(bytes), digest, `pulled blob ${digest} does not match its digest`);
    }
    for (const img of layout.images) {
      const tar = gunzipSync(pulled.readBlob(img.layer.digest));
      assert.equal(sha256Digest(tar), img.layer.diffId, `diff_id of the ${img.architecture} layer`);
      assert.equal(readTarFiles(tar).get(img.layer.fileName)?.toString('utf8'), img.layer.fileContent);
    }
  });

  it('skopeo inspect --raw returns the exact index and manifest bytes; inspect resolves each platform', async () => {
    await pushLayout();
    const raw = assertOk(await skopeo(['inspect', '--raw', '--tls-verify=false', ref('e2e/multi:v1')]), server);
    assert.equal(raw.stdout, layout.index.bytes.toString('utf8'), 'index bytes by tag');

    const byDigest = assertOk(
      await skopeo(['inspect', '--raw', '--tls-verify=false', ref(`e2e/multi@${layout.index.digest}`)]),
      server,
    );
    assert.equal(byDigest.stdout, layout.index.bytes.toString('utf8'), 'index bytes by digest');

    for (const img of layout.images) {
      const manifest = assertOk(
        await skopeo(['inspect', '--raw', '--tls-verify=false', ref(`e2e/multi@${img.manifest.digest}`)]),
        server,
      );
      assert.equal(sha256Digest(manifest.stdout), img.manifest.digest, `${img.architecture} manifest bytes`);
      assert.equal((JSON.parse(manifest.stdout) as { mediaType: string }).mediaType, MEDIA_TYPE_MANIFEST);

      // Non-raw inspect picks the platform's manifest from the index and reads its config blob.
      const inspected = assertOk(
        await skopeo([
          '--override-os', img.os, '--override-arch', img.architecture,
          ...(img.variant ? ['--override-variant', img.variant] : []),
          'inspect', '--tls-verify=false', ref('e2e/multi:v1'),
        ]),
        server,
      );
      const info = JSON.parse(inspected.stdout) as { Digest: string; Architecture: string; Os: string; Layers: string[] };
      assert.equal(info.Digest, layout.index.digest);
      assert.equal(info.Architecture, img.architecture);
      assert.equal(info.Os, img.os);
      assert.deepEqual(info.Layers, [img.layer.digest]);

      const config = assertOk(
        await skopeo(['inspect', '--config', '--raw', '--tls-verify=false', ref(`e2e/multi@${img.manifest.digest}`)]),
        server,
      );
      assert.equal(sha256Digest(config.stdout), img.config.digest, `${img.architecture} config blob bytes`);
    }
  });

  it('skopeo list-tags lists every pushed tag, and fails for an unknown repository', async () => {
    await pushLayout();
    // registry -> registry within one repository (blobs already there) and from the layout again.
    assertOk(
      await skopeo([
        'copy', '--all', '--preserve-digests', '--src-tls-verify=false', '--dest-tls-verify=false',
        ref('e2e/multi:v1'), ref('e2e/multi:v2'),
      ]),
      server,
    );
    assertOk(
      await skopeo([
        'copy', '--all', '--preserve-digests', '--dest-tls-verify=false',
        `oci:${layout.dir}:${layout.tag}`, ref('e2e/multi:latest'),
      ]),
      server,
    );

    const tags = assertOk(await skopeo(['list-tags', '--tls-verify=false', ref('e2e/multi')]), server);
    const parsed = JSON.parse(tags.stdout) as { Repository: string; Tags: string[] };
    assert.equal(parsed.Repository, `${server.host}/e2e/multi`);
    assert.deepEqual([...parsed.Tags].sort(), ['latest', 'v1', 'v2']);

    for (const tag of ['v2', 'latest']) {
      const raw = assertOk(await skopeo(['inspect', '--raw', '--tls-verify=false', ref(`e2e/multi:${tag}`)]), server);
      assert.equal(raw.stdout, layout.index.bytes.toString('utf8'), `index bytes of tag ${tag}`);
    }

    assertFails(
      await skopeo(['list-tags', '--tls-verify=false', ref('e2e/does-not-exist')]),
      /name unknown|not known to registry|NAME_UNKNOWN|404/i,
      server,
    );
  });

  it('skopeo delete removes manifests by digest and by tag; later reads fail', async () => {
    await pushLayout();
    // Copy into another repository (the client may mount blobs across repositories).
    assertOk(
      await skopeo([
        'copy', '--all', '--preserve-digests', '--src-tls-verify=false', '--dest-tls-verify=false',
        ref('e2e/multi:v1'), ref('e2e/todelete:v1'),
      ]),
      server,
    );
    const arm64 = layout.images.find((img) => img.architecture === 'arm64')!;
    assertOk(
      await skopeo([
        'copy', '--preserve-digests', '--src-tls-verify=false', '--dest-tls-verify=false',
        ref(`e2e/multi@${arm64.manifest.digest}`), ref('e2e/todelete:single'),
      ]),
      server,
    );
    assertOk(await skopeo(['inspect', '--raw', '--tls-verify=false', ref('e2e/todelete:v1')]), server);

    // By digest: the index is gone, and so is the tag that pointed at it.
    assertOk(await skopeo(['delete', '--tls-verify=false', ref(`e2e/todelete@${layout.index.digest}`)]), server);
    const notFound = /manifest unknown|not found|MANIFEST_UNKNOWN|404/i;
    assertFails(await skopeo(['inspect', '--raw', '--tls-verify=false', ref(`e2e/todelete@${layout.index.digest}`)]), notFound, server);
    assertFails(await skopeo(['inspect', '--raw', '--tls-verify=false', ref('e2e/todelete:v1')]), notFound, server);

    // By tag: skopeo resolves the tag to its digest, then deletes the manifest.
    assertOk(await skopeo(['delete', '--tls-verify=false', ref('e2e/todelete:single')]), server);
    assertFails(await skopeo(['inspect', '--raw', '--tls-verify=false', ref('e2e/todelete:single')]), notFound, server);

    // The same content in the other repository is untouched.
    const still = assertOk(await skopeo(['inspect', '--raw', '--tls-verify=false', ref('e2e/multi:v1')]), server);
    assert.equal(still.stdout, layout.index.bytes.toString('utf8'));
    const stillArm = assertOk(
      await skopeo(['inspect', '--raw', '--tls-verify=false', ref(`e2e/multi@${arm64.manifest.digest}`)]),
      server,
    );
    assert.equal(sha256Digest(stillArm.stdout), arm64.manifest.digest);
  });

  it('buildah builds from scratch, pushes docker v2s2 and OCI manifests; podman pulls the same images back', {
    skip: HAVE_BUILDAH && HAVE_PODMAN ? false : 'buildah and podman are needed for this test',
  }, async () => {
    const work = makeTempDir('wharf-e2e-buildah-');
    tempDirs.push(work);
    const content = `built by buildah for wharf e2e ${Date.now()}\n`;
    writeFileSync(join(work, 'hello.txt'), content);
    const { buildah, podman, policy, authFile } = sandbox;

    const ctr = assertOk(await buildah(['from', '--signature-policy', policy, '--name', 'e2e-scratch', 'scratch'])).stdout.trim();
    assertOk(await buildah(['copy', ctr, join(work, 'hello.txt'), '/hello.txt']));
    assertOk(await buildah(['config', '--cmd', '["/hello.txt"]', '--label', 'org.example.e2e=wharf', ctr]));

    const built: Record<'docker' | 'oci', { imageId: string; tag: string; digest: string; mediaType: string }> = {
      docker: { imageId: '', tag: 'latest', digest: '', mediaType: MEDIA_TYPE_DOCKER_MANIFEST },
      oci: { imageId: '', tag: 'oci', digest: '', mediaType: MEDIA_TYPE_MANIFEST },
    };
    for (const format of ['docker', 'oci'] as const) {
      const b = built[format];
      const commit = assertOk(
        await buildah(['commit', '--signature-policy', policy, '--format', format, ctr, `localhost/e2e-scratch-${format}`]),
      );
      b.imageId = commit.stdout.trim().split('\n').pop()!.trim();
      assert.match(b.imageId, /^[a-f0-9]{64}$/, describeRun(commit));

      const digestFile = join(work, `digest-${format}`);
      assertOk(
        await buildah([
          'push', '--signature-policy', policy, '--authfile', authFile, '--tls-verify=false',
          '--digestfile', digestFile,
          `localhost/e2e-scratch-${format}`, `docker://${server.host}/e2e/scratch:${b.tag}`,
        ]),
        server,
      );
      b.digest = readFileSync(digestFile, 'utf8').trim();
      assert.match(b.digest, /^sha256:[a-f0-9]{64}$/);

      // What the registry now serves for the tag: the pushed bytes, with their media type.
      const raw = assertOk(await sandbox.skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${server.host}/e2e/scratch:${b.tag}`]), server);
      assert.equal(sha256Digest(raw.stdout), b.digest, `${format} manifest served for tag ${b.tag}`);
      const manifest = JSON.parse(raw.stdout) as { mediaType: string; config: { digest: string }; layers: Array<{ digest: string }> };
      assert.equal(manifest.mediaType, b.mediaType);
      assert.equal(manifest.config.digest, `sha256:${b.imageId}`);

      // Plain HTTP, as docker/containerd would fetch it: content type and digest headers.
      const response = await fetch(`${server.url}/v2/e2e/scratch/manifests/${b.tag}`, {
        headers: { Accept: [MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_MANIFEST, MEDIA_TYPE_INDEX].join(', ') },
      });
      const body = Buffer.from(await response.arrayBuffer());
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type')?.split(';')[0]?.trim(), b.mediaType, 'Content-Type of the manifest');
      assert.equal(response.headers.get('docker-content-digest'), b.digest, 'Docker-Content-Digest of the manifest');
      assert.equal(sha256Digest(body), b.digest);

      // The layer holds the copied file.
      const layerResponse = await fetch(`${server.url}/v2/e2e/scratch/blobs/${manifest.layers[0]!.digest}`);
      assert.equal(layerResponse.status, 200);
      const layer = Buffer.from(await layerResponse.arrayBuffer());
      assert.equal(sha256Digest(layer), manifest.layers[0]!.digest);
      assert.equal(readTarFiles(gunzipSync(layer)).get('hello.txt')?.toString('utf8'), content);
    }

    // Forget everything locally, then pull with podman.
    assertOk(await buildah(['rm', ctr]));
    assertOk(await buildah(['rmi', '--all', '--force']));
    const images = assertOk(await podman(['images', '--quiet']));
    assert.equal(images.stdout.trim(), '', 'local storage should be empty before pulling');

    for (const format of ['docker', 'oci'] as const) {
      const b = built[format];
      const image = `${server.host}/e2e/scratch:${b.tag}`;
      const pull = assertOk(
        await podman(['pull', '--signature-policy', policy, '--authfile', authFile, '--tls-verify=false', image]),
        server,
      );
      assert.equal(pull.stdout.trim().split('\n').pop(), b.imageId, `podman pull ${image} printed another image id`);
      const inspect = assertOk(await podman(['image', 'inspect', '--format', '{{.Id}} {{.Digest}}', image]));
      assert.equal(inspect.stdout.trim(), `${b.imageId} ${b.digest}`, `image id and manifest digest after pulling ${image}`);
    }
  });

  it('podman push uploads a pulled image under a new name; skopeo reads it back', {
    skip: HAVE_BUILDAH && HAVE_PODMAN ? false : 'buildah and podman are needed for this test',
  }, async () => {
    const { podman, policy, authFile } = sandbox;
    const source = `${server.host}/e2e/scratch:latest`;
    const present = await podman(['image', 'exists', source]);
    if (present.code !== 0) {
      assertOk(await podman(['pull', '--signature-policy', policy, '--authfile', authFile, '--tls-verify=false', source]), server);
    }
    const target = `${server.host}/e2e/podman/pushed:v1`;
    assertOk(await podman(['tag', source, target]));
    const digestFile = join(sandbox.dir, 'podman-push-digest');
    assertOk(
      await podman([
        'push', '--signature-policy', policy, '--authfile', authFile, '--tls-verify=false',
        '--digestfile', digestFile, target,
      ]),
      server,
    );
    const digest = readFileSync(digestFile, 'utf8').trim();
    const raw = assertOk(await sandbox.skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${target}`]), server);
    assert.equal(sha256Digest(raw.stdout), digest, 'manifest digest of the podman push');
    const id = assertOk(await podman(['image', 'inspect', '--format', '{{.Id}}', source])).stdout.trim();
    assert.equal((JSON.parse(raw.stdout) as { config: { digest: string } }).config.digest, `sha256:${id}`);
  });
});

describe('e2e: registry clients against wharf with authentication', { skip: SKIP_ALL, timeout: 120_000 }, () => {
  let server: WharfProcess;
  let sandbox: ContainersSandbox;
  let layout: MultiArchLayout;
  let creds: { accessKeyId: string; secretAccessKey: string };

  before(async () => {
    sandbox = makeContainersSandbox();
    layout = buildMultiArchLayout({ tag: 'v1', salt: 'authenticated' });
    server = await startWharf({ anonymous: false });
    creds = await readAdminCredentials(server.dataDir);
  });

  after(async () => {
    await server?.dispose();
    await sandbox?.cleanup();
    layout?.cleanup();
  });

  const ref = (path: string) => `docker://${server.host}/${path}`;
  const unauthorized = /unauthorized|authentication required|401|invalid username\/password/i;

  it('answers /v2/ without credentials with 401 and a Basic challenge', async () => {
    const response = await fetch(`${server.url}/v2/`);
    await response.arrayBuffer();
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Basic realm="[^"]*"/i);
    const authed = await fetch(`${server.url}/v2/`, {
      headers: { Authorization: `Basic ${Buffer.from(`${creds.accessKeyId}:${creds.secretAccessKey}`).toString('base64')}` },
    });
    await authed.arrayBuffer();
    assert.equal(authed.status, 200);
  });

  it('skopeo copy needs credentials: fails without or with a wrong secret, succeeds with --dest-creds', async () => {
    const source = `oci:${layout.dir}:${layout.tag}`;
    const base = ['copy', '--all', '--preserve-digests', '--dest-tls-verify=false', '--authfile', sandbox.authFile];

    assertFails(await sandbox.skopeo([...base, source, ref('e2e/private:v1')]), unauthorized, server);
    assertFails(
      await sandbox.skopeo([...base, '--dest-creds', `${creds.accessKeyId}:wrong-${creds.secretAccessKey}`, source, ref('e2e/private:v1')]),
      unauthorized,
      server,
    );
    assertOk(
      await sandbox.skopeo([...base, '--dest-creds', `${creds.accessKeyId}:${creds.secretAccessKey}`, source, ref('e2e/private:v1')]),
      server,
    );

    // Reading needs credentials too.
    assertFails(await sandbox.skopeo(['inspect', '--raw', '--tls-verify=false', ref('e2e/private:v1')]), unauthorized, server);
    const raw = assertOk(
      await sandbox.skopeo([
        'inspect', '--raw', '--tls-verify=false', '--creds', `${creds.accessKeyId}:${creds.secretAccessKey}`, ref('e2e/private:v1'),
      ]),
      server,
    );
    assert.equal(raw.stdout, layout.index.bytes.toString('utf8'));

    const out = makeTempDir('wharf-e2e-oci-auth-');
    try {
      assertOk(
        await sandbox.skopeo([
          'copy', '--all', '--preserve-digests', '--src-tls-verify=false',
          '--src-creds', `${creds.accessKeyId}:${creds.secretAccessKey}`, ref('e2e/private:v1'), `oci:${out}:v1`,
        ]),
        server,
      );
      assert.equal(readOciLayout(out).findRef('v1')?.digest, layout.index.digest);
      assert.deepEqual(readOciLayout(out).blobDigests, layout.blobDigests);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('podman login stores credentials in the private auth file; skopeo and podman then use them', {
    skip: HAVE_PODMAN ? false : 'podman is needed for this test',
  }, async () => {
    const { podman, authFile } = sandbox;
    assertFails(
      await podman(['login', '--authfile', authFile, '--tls-verify=false', '--username', creds.accessKeyId, '--password-stdin', server.host], {
        input: `wrong-${creds.secretAccessKey}\n`,
      }),
      unauthorized,
      server,
    );
    assertOk(
      await podman(['login', '--authfile', authFile, '--tls-verify=false', '--username', creds.accessKeyId, '--password-stdin', server.host], {
        input: `${creds.secretAccessKey}\n`,
      }),
      server,
    );
    const stored = JSON.parse(readFileSync(authFile, 'utf8')) as { auths?: Record<string, { auth?: string }> };
    const entry = stored.auths?.[server.host]?.auth;
    assert.equal(
      entry && Buffer.from(entry, 'base64').toString('utf8'),
      `${creds.accessKeyId}:${creds.secretAccessKey}`,
      'credentials stored by podman login',
    );

    // skopeo picks the credentials up from the auth file.
    assertOk(
      await sandbox.skopeo([
        'copy', '--all', '--preserve-digests', '--dest-tls-verify=false', '--authfile', authFile,
        `oci:${layout.dir}:${layout.tag}`, ref('e2e/private:login'),
      ]),
      server,
    );
    const tags = assertOk(await sandbox.skopeo(['list-tags', '--tls-verify=false', '--authfile', authFile, ref('e2e/private')]), server);
    assert.ok((JSON.parse(tags.stdout) as { Tags: string[] }).Tags.includes('login'), tags.stdout);

    // podman pulls with them; the host's platform picks a manifest from the index.
    const image = `${server.host}/e2e/private:login`;
    const pull = await podman([
      'pull', '--signature-policy', sandbox.policy, '--authfile', authFile, '--tls-verify=false',
      '--arch', 'arm64', '--os', 'linux', image,
    ]);
    assertOk(pull, server);
    const arm64 = layout.images.find((img) => img.architecture === 'arm64')!;
    const inspect = assertOk(await podman(['image', 'inspect', '--format', '{{.Id}} {{.Digest}}', image]));
    assert.equal(inspect.stdout.trim(), `${arm64.config.digest.slice('sha256:'.length)} ${layout.index.digest}`);

    assertOk(await podman(['logout', '--authfile', authFile, server.host]));
    assertFails(
      await sandbox.skopeo(['inspect', '--raw', '--tls-verify=false', '--authfile', authFile, ref('e2e/private:login')]),
      unauthorized,
      server,
    );
  });
});
