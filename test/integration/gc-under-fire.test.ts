// Garbage collection under fire: workers push images that share base layers (with the images
// other workers are deleting), delete some of their own, mount layers across repositories and
// pull, while `wharf gc` runs again and again from the command line beside the server (another
// process, as an operator would run it). Afterwards every acknowledged image that was not deleted
// pulls byte for byte, and storage holds exactly the blobs the remaining images reference.
// CI runs this file on SQLite + disk and again on PostgreSQL + S3.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { runWharf, startWharf, storedBlobDigests, type WharfProcess } from '../helpers/server.js';
import { MT, Registry, configBlob, imageManifest, manifestBytes, randomBlob, sha256, sleep, uniqueName, withQuery, type Descriptor } from './client.js';

const GRACE = '2s';
const GRACE_MS = 2000;
const RUN_MS = 12_000;
const WORKERS = 4;

let srv: WharfProcess;
let registry: Registry;

before(async () => {
  srv = await startWharf({ anonymous: true, extraArgs: ['--gc-grace', GRACE] });
  registry = new Registry(srv.url);
});

after(async () => {
  await srv?.dispose();
});

interface Pushed {
  repo: string;
  digest: string;
  bytes: Buffer;
  blobs: { digest: string; bytes: Buffer }[];
}

async function pushBlob(repo: string, bytes: Buffer, mountFrom: string | null): Promise<Descriptor> {
  const digest = sha256(bytes);
  if (mountFrom) {
    const res = await registry.request('POST', withQuery(`${srv.url}/v2/${repo}/blobs/uploads/`, { mount: digest, from: mountFrom }));
    if (res.status === 201) return { mediaType: MT.ociLayer, digest, size: bytes.length };
    // 202: not mountable (the source lost it meanwhile); the session it opened is used to upload.
    if (res.status === 202) {
      const location = new URL(res.headers.get('location')!, srv.url).toString();
      const put = await registry.request('PUT', withQuery(location, { digest }), { headers: { 'content-type': 'application/octet-stream' }, body: bytes });
      assert.equal(put.status, 201, `upload after declined mount: ${put.status} ${put.body.toString()}`);
      return { mediaType: MT.ociLayer, digest, size: bytes.length };
    }
    assert.fail(`mount answered ${res.status}: ${res.body.toString()}\n${srv.output().slice(-3000)}`);
  }
  return { ...(await registry.pushBlob(repo, bytes)), mediaType: MT.ociLayer };
}

async function pushImage(repo: string, tag: string, layers: Buffer[], mountFrom: string | null): Promise<Pushed | null> {
  const configBytes = configBlob();
  const config = await pushBlob(repo, configBytes, null);
  const descriptors: Descriptor[] = [];
  for (const layer of layers) descriptors.push(await pushBlob(repo, layer, mountFrom));
  const bytes = manifestBytes(imageManifest({ mediaType: MT.ociManifest, config: { ...config, mediaType: MT.ociConfig }, layers: descriptors }));
  const res = await registry.putManifest(repo, tag, bytes, MT.ociManifest);
  // Not acknowledged: allowed to fail only the way the protocol says a vanished layer fails.
  if (res.status !== 201) {
    assert.equal(res.status, 400, `manifest push: ${res.status} ${res.body.toString()}\n${srv.output().slice(-3000)}`);
    assert.match(res.body.toString(), /MANIFEST_BLOB_UNKNOWN/);
    return null;
  }
  return { repo, digest: res.headers.get('docker-content-digest')!, bytes, blobs: [{ digest: config.digest, bytes: configBytes }, ...layers.map((l, i) => ({ digest: descriptors[i]!.digest, bytes: l }))] };
}

async function assertPulls(image: Pushed, why: string): Promise<void> {
  const manifest = await registry.get(`/v2/${image.repo}/manifests/${image.digest}`, { accept: MT.ociManifest });
  assert.equal(manifest.status, 200, `${why}: manifest ${image.repo}@${image.digest}: ${manifest.status} ${manifest.body.toString()}`);
  assert.ok(manifest.body.equals(image.bytes), `${why}: manifest bytes`);
  for (const blob of image.blobs) {
    const res = await registry.getBlob(image.repo, blob.digest);
    assert.equal(res.status, 200, `${why}: blob ${blob.digest} of ${image.repo}@${image.digest}: ${res.status} ${res.body.toString()}`);
    assert.ok(res.body.equals(blob.bytes), `${why}: blob bytes ${blob.digest}`);
  }
}

it('pushes, deletes, mounts and pulls go on while gc runs repeatedly; every acknowledged image survives and garbage goes', { timeout: 240_000 }, async (t) => {
  const repos = [uniqueName('fire-a'), uniqueName('fire-b')];
  const base = Array.from({ length: 4 }, () => randomBlob(20_000));
  const kept: Pushed[] = [];
  const deleted: Pushed[] = [];
  let gcRuns = 0;
  let refused = 0;
  let stop = false;
  // Layers of deleted images, pushed again once their links are old enough for gc to be removing
  // them: the pushes race the collector for the very same digests.
  const recycled: { bytes: Buffer; at: number }[] = [];
  let recycledPushes = 0;

  const worker = async (w: number): Promise<void> => {
    const mine: Pushed[] = [];
    for (let n = 0; !stop; n++) {
      const repo = repos[(w + n) % 2]!;
      const other = repos[(w + n + 1) % 2]!;
      const layers = [base[(w + n) % base.length]!, base[(w + 2 * n + 1) % base.length]!, randomBlob(3000 + n)];
      const ripe = recycled.findIndex((r) => Date.now() - r.at > GRACE_MS);
      if (ripe >= 0) {
        layers.push(recycled.splice(ripe, 1)[0]!.bytes);
        recycledPushes++;
      }
      const image = await pushImage(repo, `w${w}-${n}`, layers, n % 3 === 0 ? other : null);
      if (!image) {
        refused++;
        continue;
      }
      await assertPulls(image, 'just pushed');
      mine.push(image);
      // Delete every other image soon after, so layers the next pushes share lose their references.
      if (n % 2 === 1) {
        const victim = mine.splice(Math.floor(mine.length / 2), 1)[0]!;
        const res = await registry.request('DELETE', `/v2/${victim.repo}/manifests/${victim.digest}`);
        assert.equal(res.status, 202, `delete: ${res.status} ${res.body.toString()}`);
        deleted.push(victim);
        recycled.push({ bytes: victim.blobs.at(-1)!.bytes, at: Date.now() });
      }
      const sample = mine[n % mine.length];
      if (sample) await assertPulls(sample, 'pulled while gc runs');
    }
    kept.push(...mine);
  };

  const collector = async (): Promise<void> => {
    while (!stop) {
      const result = await runWharf(srv.dataDir, ['gc', '--grace', GRACE]);
      assert.equal(result.code, 0, `wharf gc: ${result.stderr}`);
      gcRuns++;
    }
  };

  // The first failure stops everyone, so nothing runs on after the test has ended.
  const guarded = (work: Promise<void>) => work.catch((error: unknown) => ((stop = true), Promise.reject(error)));
  const running = [...Array.from({ length: WORKERS }, (_, w) => guarded(worker(w))), guarded(collector())];
  const timer = sleep(RUN_MS).then(() => (stop = true));
  await Promise.all(running);
  await timer;
  assert.ok(gcRuns >= 2, `gc ran ${gcRuns} times during the load`);
  assert.ok(kept.length >= 8, `${kept.length} images kept`);
  assert.ok(deleted.length >= 4, `${deleted.length} images deleted`);

  // Quiet now: once the grace window has passed, one more run removes everything unreferenced.
  await sleep(GRACE_MS + 200);
  const final = await runWharf(srv.dataDir, ['gc', '--grace', GRACE]);
  assert.equal(final.code, 0, final.stderr);

  for (const image of kept) await assertPulls(image, 'after gc');
  const referenced = new Set(kept.flatMap((image) => image.blobs.map((b) => b.digest)));
  const stored = await storedBlobDigests(srv.dataDir);
  const leaked = [...stored].filter((d) => !referenced.has(d));
  const lost = [...referenced].filter((d) => !stored.has(d));
  assert.deepEqual(lost, [], 'no referenced blob is missing from storage');
  assert.deepEqual(leaked, [], 'no unreferenced blob is left in storage');
  assert.ok(recycledPushes >= 2, `${recycledPushes} pushes raced the collector for a deleted image's layer`);
  // Deleted images are gone unless a kept image shares every one of their blobs.
  for (const image of deleted) {
    const unique = image.blobs.filter((b) => !referenced.has(b.digest));
    for (const blob of unique) assert.ok(!stored.has(blob.digest), `blob ${blob.digest} of a deleted image was collected`);
  }
  assert.ok(refused <= kept.length, `refused manifest pushes: ${refused}`);
  t.diagnostic(`gc runs ${gcRuns}, images kept ${kept.length}, deleted ${deleted.length}, manifest pushes refused ${refused}, pushes reusing a deleted image's layer ${recycledPushes}, blobs stored ${stored.size}`);
});
