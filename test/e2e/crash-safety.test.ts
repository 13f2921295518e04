// Crash safety: SIGKILL the registry while many pushes (monolithic, chunked, manifests) are in
// flight, restart it on the same data directory, and check that
//   1. every acknowledged blob and manifest is complete and readable with the right digest,
//   2. nothing that was attempted but not acknowledged is ever served partially or wrongly,
//   3. the server starts cleanly after the crash and accepts new pushes,
//   4. upload sessions with acknowledged chunks can be resumed after the restart, even when the
//      crash cut a later PATCH mid-stream (the bytes past the acknowledged size are dropped).
// The kill/restart cycle runs several times on one data directory, and everything acknowledged
// in an earlier cycle is checked again after every later crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { makeTempDir, startWharf, type WharfProcess } from '../helpers/server.js';

const CYCLES = 3;
const PUSHERS = 40;
/** Pushers that open a session, get chunks acknowledged, then stall in the middle of a PATCH. */
const STALLERS = 4;
const MIN_BLOB = 256 * 1024;
const MAX_BLOB = 8 * 1024 * 1024;
/** The kill waits (bounded) for at least this many acknowledgements in each cycle. */
const MIN_ACKED_BLOBS = 10;
const MIN_ACKED_MANIFESTS = 4;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

// ---------------------------------------------------------------------------------------------
// Small HTTP client: one connection per request (no pooled socket survives a kill), bodies
// written in small pieces with pauses so that requests are really mid-stream when the kill lands.

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface SendOptions {
  headers?: Record<string, string>;
  body?: Buffer;
  /** Write the body in small pieces with short pauses. */
  slow?: boolean;
  /** Write this many body bytes, then stop writing until `hang` settles (the kill). */
  stallAfter?: number;
  hang?: Promise<void>;
  onStall?: () => void;
  /** Called once the whole body has been handed to the socket. */
  onBodySent?: () => void;
}

/** A request with a body whose response has not arrived; the workload counts these at the kill. */
interface Flight {
  sent: number;
  total: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function send(base: string, method: string, path: string, options: SendOptions = {}, flights?: Set<Flight>): Promise<Res> {
  const body = options.body;
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  headers['content-length'] = String(body?.length ?? 0);
  const flight: Flight = { sent: 0, total: body?.length ?? 0 };
  return new Promise<Res>((resolve, reject) => {
    const req = http.request(new URL(path, base), { method, headers, agent: false });
    let settled = false;
    const finish = (error: Error | null, res?: Res) => {
      if (settled) return;
      settled = true;
      flights?.delete(flight);
      if (error) reject(error);
      else resolve(res!);
    };
    req.on('error', (error) => finish(error));
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => finish(error));
      response.on('aborted', () => finish(new Error('response aborted')));
      response.on('end', () => {
        if (!response.complete) finish(new Error('response truncated'));
        else finish(null, { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
      });
    });
    if (!body || body.length === 0) {
      req.end();
      return;
    }
    flights?.add(flight);
    void (async () => {
      const waitDrain = () =>
        new Promise<void>((done) => {
          const settle = () => {
            req.off('drain', settle);
            req.off('close', settle);
            done();
          };
          req.on('drain', settle);
          req.on('close', settle);
        });
      let offset = 0;
      while (offset < body.length && !req.destroyed) {
        if (options.stallAfter !== undefined && offset >= options.stallAfter) {
          options.onStall?.();
          await options.hang;
          return; // the kill ends this request; never finish the body
        }
        let piece = options.slow ? randomInt(16 * 1024, 48 * 1024) : 1024 * 1024;
        if (options.stallAfter !== undefined) piece = Math.min(piece, options.stallAfter - offset);
        const end = Math.min(offset + piece, body.length);
        const ok = req.write(body.subarray(offset, end));
        offset = end;
        flight.sent = offset;
        if (!ok) await waitDrain();
        if (options.slow) await sleep(randomInt(4, 14));
      }
      if (!req.destroyed) {
        req.end();
        options.onBodySent?.();
      }
    })().catch((error: unknown) => finish(error as Error));
  });
}

function header(res: Res, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Size of an upload session from its `Range: 0-<last>` header ("0-0" is an empty session). */
function rangeSize(res: Res, hint: number): number {
  const range = header(res, 'range');
  const match = /^0-(\d+)$/.exec(range ?? '');
  assert.ok(match, `upload session response without a valid Range header: ${JSON.stringify(range)}`);
  const last = Number(match[1]);
  return last === 0 && hint === 0 ? 0 : last + 1;
}

async function mapLimit<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(runners);
}

function randomSize(): number {
  // Between 256 KiB and 8 MiB, log-uniform, mostly small (many acknowledgements within a second
  // on a small machine) with some big ones (long transfers that the kill interrupts).
  const [low, high] = Math.random() < 0.75 ? [MIN_BLOB, 1024 * 1024] : [1024 * 1024, MAX_BLOB];
  return Math.round(low * Math.pow(high / low, Math.random()));
}

// ---------------------------------------------------------------------------------------------
// What the workload attempted and what the server acknowledged.

interface BlobAttempt {
  cycle: number;
  repo: string;
  digest: string;
  size: number;
  how: 'monolithic' | 'chunked' | 'chunked+final' | 'resumed' | 'after-restart';
  acked: boolean;
}

interface ManifestAttempt {
  cycle: number;
  repo: string;
  tag: string;
  digest: string;
  bytes: Buffer;
  acked: boolean;
}

interface SessionRecord {
  cycle: number;
  repo: string;
  id: string;
  location: string;
  data: Buffer;
  digest: string;
  /** Bytes the server acknowledged with a 202 (its Range header). */
  ackedSize: number;
  /** The request that was outstanding when the server died, if any. */
  inflight: { kind: 'patch' | 'put'; start: number; length: number; bodyComplete: () => boolean } | null;
  stalled: boolean;
  done: boolean;
}

interface CycleState {
  cycle: number;
  base: string;
  killing: boolean;
  hang: Promise<void>;
  flights: Set<Flight>;
  blobs: BlobAttempt[];
  manifests: ManifestAttempt[];
  sessions: SessionRecord[];
  unexpected: string[];
  /** Stallers that are stuck in the middle of a PATCH body. */
  stalled: number;
}

class Interrupted extends Error {}

/** Sends a request; a transport error after the kill started is the expected interruption. */
async function call(state: CycleState, method: string, path: string, options: SendOptions = {}): Promise<Res> {
  try {
    return await send(state.base, method, path, options, state.flights);
  } catch (error) {
    if (state.killing) throw new Interrupted();
    state.unexpected.push(`${method} ${path}: transport error before the kill: ${String(error)}`);
    throw error;
  }
}

function expect(state: CycleState, res: Res, status: number, what: string): void {
  if (res.status === status) return;
  state.unexpected.push(`${what}: expected ${status}, got ${res.status} ${res.body.toString().slice(0, 300)}`);
  throw new Error(`${what}: unexpected status ${res.status}`);
}

async function pushBlob(state: CycleState, repo: string, data: Buffer, how: 'monolithic' | 'chunked' | 'chunked+final'): Promise<string> {
  const digest = sha256(data);
  const attempt: BlobAttempt = { cycle: state.cycle, repo, digest, size: data.length, how, acked: false };
  state.blobs.push(attempt);
  if (how === 'monolithic') {
    const res = await call(state, 'POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, {
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
      slow: true,
    });
    expect(state, res, 201, `monolithic POST ${digest}`);
    assert.equal(header(res, 'docker-content-digest'), digest);
    attempt.acked = true;
    return digest;
  }
  const started = await call(state, 'POST', `/v2/${repo}/blobs/uploads/`);
  expect(state, started, 202, `POST session for ${digest}`);
  const location = header(started, 'location')!;
  const session: SessionRecord = {
    cycle: state.cycle,
    repo,
    id: header(started, 'docker-upload-uuid')!,
    location,
    data,
    digest,
    ackedSize: 0,
    inflight: null,
    stalled: false,
    done: false,
  };
  state.sessions.push(session);
  let offset = 0;
  const finalChunk = how === 'chunked+final' ? Math.min(data.length, randomInt(64 * 1024, 1024 * 1024)) : 0;
  while (offset < data.length - finalChunk) {
    const end = Math.min(offset + randomInt(256 * 1024, 2 * 1024 * 1024), data.length - finalChunk);
    const chunk = data.subarray(offset, end);
    let complete = false;
    session.inflight = { kind: 'patch', start: offset, length: chunk.length, bodyComplete: () => complete };
    const res = await call(state, 'PATCH', location, {
      headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${end - 1}` },
      body: chunk,
      slow: true,
      onBodySent: () => (complete = true),
    });
    expect(state, res, 202, `PATCH ${offset}-${end - 1} of ${digest}`);
    assert.equal(rangeSize(res, end), end, `PATCH ack of ${digest} reports the wrong size`);
    offset = end;
    session.ackedSize = end;
    session.inflight = null;
  }
  let putSent = finalChunk === 0;
  session.inflight = { kind: 'put', start: offset, length: data.length - offset, bodyComplete: () => putSent };
  const put = await call(state, 'PUT', `${location}?digest=${digest}`, {
    headers: { 'content-type': 'application/octet-stream' },
    ...(finalChunk > 0 ? { body: data.subarray(offset), slow: true, onBodySent: () => (putSent = true) } : {}),
  });
  expect(state, put, 201, `PUT ${digest}`);
  assert.equal(header(put, 'docker-content-digest'), digest);
  session.inflight = null;
  session.ackedSize = data.length;
  session.done = true;
  attempt.acked = true;
  return digest;
}

/**
 * Opens a session, gets two chunks acknowledged, then stalls in the middle of the third PATCH,
 * after sending more than a MiB of it (so the server has written part of it to the upload file,
 * whatever write batching it does).
 */
async function stallInPatch(state: CycleState, repo: string): Promise<void> {
  const chunk = 256 * 1024;
  const data = randomBytes(chunk * 2 + randomInt(2 * 1024 * 1024, 3 * 1024 * 1024));
  const digest = sha256(data);
  state.blobs.push({ cycle: state.cycle, repo, digest, size: data.length, how: 'chunked', acked: false });
  const started = await call(state, 'POST', `/v2/${repo}/blobs/uploads/`);
  expect(state, started, 202, 'POST session (staller)');
  const session: SessionRecord = {
    cycle: state.cycle,
    repo,
    id: header(started, 'docker-upload-uuid')!,
    location: header(started, 'location')!,
    data,
    digest,
    ackedSize: 0,
    inflight: null,
    stalled: true,
    done: false,
  };
  state.sessions.push(session);
  for (let i = 0; i < 2; i++) {
    const res = await call(state, 'PATCH', session.location, {
      headers: { 'content-type': 'application/octet-stream', 'content-range': `${i * chunk}-${(i + 1) * chunk - 1}` },
      body: data.subarray(i * chunk, (i + 1) * chunk),
      slow: true,
    });
    expect(state, res, 202, 'PATCH (staller)');
    session.ackedSize = (i + 1) * chunk;
  }
  const rest = data.subarray(2 * chunk);
  session.inflight = { kind: 'patch', start: 2 * chunk, length: rest.length, bodyComplete: () => false };
  await call(state, 'PATCH', session.location, {
    headers: { 'content-type': 'application/octet-stream', 'content-range': `${2 * chunk}-${data.length - 1}` },
    body: rest,
    stallAfter: randomInt(1280 * 1024, 1792 * 1024),
    hang: state.hang,
    onStall: () => state.stalled++,
  });
  state.unexpected.push('a stalled PATCH got a response');
}

async function pusher(state: CycleState, index: number): Promise<void> {
  const repo = `crash/r${index % 8}`;
  try {
    if (index < STALLERS) {
      await stallInPatch(state, repo);
      return;
    }
    for (let n = 0; !state.killing; n++) {
      const layers: { digest: string; size: number }[] = [];
      for (let l = Math.random() < 0.7 ? 1 : 2; l > 0; l--) {
        const data = randomBytes(randomSize());
        const how = (['monolithic', 'chunked', 'chunked+final'] as const)[randomInt(3)]!;
        layers.push({ digest: await pushBlob(state, repo, data, how), size: data.length });
      }
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') }));
      const configDigest = await pushBlob(state, repo, config, 'monolithic');
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: OCI_CONFIG, digest: configDigest, size: config.length },
          layers: layers.map((l) => ({ mediaType: OCI_LAYER, digest: l.digest, size: l.size })),
          annotations: { 'org.example.push': `c${state.cycle}-p${index}-n${n}` },
        }),
      );
      const attempt: ManifestAttempt = { cycle: state.cycle, repo, tag: `c${state.cycle}-p${index}-n${n}`, digest: sha256(manifest), bytes: manifest, acked: false };
      state.manifests.push(attempt);
      const res = await call(state, 'PUT', `/v2/${repo}/manifests/${attempt.tag}`, {
        headers: { 'content-type': OCI_MANIFEST },
        body: manifest,
        slow: true,
      });
      expect(state, res, 201, `PUT manifest ${attempt.tag}`);
      assert.equal(header(res, 'docker-content-digest'), attempt.digest);
      attempt.acked = true;
    }
  } catch (error) {
    // Transport errors after the kill are the expected interruption; anything else (a wrong
    // status, already recorded by expect(), or a failed assertion on a response) is a failure.
    if (error instanceof Interrupted) return;
    if (error instanceof assert.AssertionError || !state.killing) state.unexpected.push(`pusher ${index}: ${String(error)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Verification after a restart.

async function getBlob(base: string, repo: string, digest: string): Promise<Res> {
  return send(base, 'GET', `/v2/${repo}/blobs/${digest}`);
}

async function getManifest(base: string, repo: string, reference: string): Promise<Res> {
  return send(base, 'GET', `/v2/${repo}/manifests/${reference}`, { headers: { accept: OCI_MANIFEST } });
}

function uploadFileSize(dataDir: string, id: string): number {
  const path = join(dataDir, 'uploads', id);
  return existsSync(path) ? statSync(path).size : -1;
}

function blobFile(dataDir: string, digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return join(dataDir, 'blobs', 'sha256', hex.slice(0, 2), hex);
}

/** The server's log lines about one request. */
function logOf(server: WharfProcess, requestId: string | undefined): string {
  if (!requestId) return '(no request id)';
  return server
    .output()
    .split('\n')
    .filter((line) => line.includes(requestId))
    .join('\n')
    .slice(0, 4000);
}

/** Every file in the committed blob store must hash to its own name. */
async function checkStoredBlobs(dataDir: string, checked: Set<string>): Promise<number> {
  const root = join(dataDir, 'blobs', 'sha256');
  if (!existsSync(root)) return 0;
  let count = 0;
  for (const prefix of readdirSync(root)) {
    for (const hex of readdirSync(join(root, prefix))) {
      const path = join(root, prefix, hex);
      if (checked.has(path)) continue;
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      assert.equal(hash.digest('hex'), hex, `stored blob file ${path} does not hash to its name (partial or corrupt blob committed)`);
      checked.add(path);
      count++;
    }
  }
  return count;
}

test('acknowledged pushes survive SIGKILL; nothing partial is served; sessions resume', { timeout: 150_000 }, async (t) => {
  const dataDir = makeTempDir('wharf-crash-');
  let srv: WharfProcess = await startWharf({ dataDir, anonymous: true });
  t.after(async () => {
    await srv.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const allBlobs: BlobAttempt[] = [];
  const allManifests: ManifestAttempt[] = [];
  const checkedFiles = new Set<string>();
  /** Defects found after a restart that do not stop the remaining checks; asserted at the end. */
  const findings: string[] = [];
  const totals = { ackedBlobs: 0, unackedBlobs: 0, unackedServedWhole: 0, ackedManifests: 0, unackedManifests: 0, resumed: 0, resumedPastCut: 0, resumedCommitted: 0, midStream: 0 };

  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    let release!: () => void;
    const state: CycleState = {
      cycle,
      base: srv.url,
      killing: false,
      hang: new Promise<void>((resolve) => (release = resolve)),
      flights: new Set(),
      blobs: [],
      manifests: [],
      sessions: [],
      unexpected: [],
      stalled: 0,
    };
    const cycleStart = Date.now();
    const workers = Array.from({ length: PUSHERS }, (_, i) => pusher(state, i));

    // Let traffic build up for 1-1.5 s, then SIGKILL with requests mid-stream. On a loaded
    // machine, wait (bounded) until enough pushes were acknowledged for the checks to mean
    // something, and until every staller is stuck in the middle of its PATCH.
    await sleep(randomInt(1000, 1500));
    const deadline = Date.now() + 10_000;
    const enough = () =>
      state.blobs.filter((b) => b.acked).length >= MIN_ACKED_BLOBS &&
      state.manifests.filter((m) => m.acked).length >= MIN_ACKED_MANIFESTS &&
      state.stalled === STALLERS &&
      // ... and the server has written part of every stalled PATCH to its upload file.
      state.sessions.filter((s) => s.stalled).every((s) => uploadFileSize(dataDir, s.id) > s.ackedSize);
    while (!enough() && Date.now() < deadline && state.unexpected.length === 0) await sleep(25);
    assert.equal(srv.child.exitCode, null, `the server died under load before the kill:\n${srv.output().slice(-3000)}`);
    assert.equal(srv.child.signalCode, null, `the server died under load before the kill:\n${srv.output().slice(-3000)}`);
    state.killing = true;
    const killedAt = Date.now() - cycleStart;
    const inFlight = state.flights.size;
    const midStream = [...state.flights].filter((f) => f.sent < f.total).length;
    await srv.kill();
    release();
    await Promise.all(workers);

    assert.deepEqual(state.unexpected, [], `cycle ${cycle}: failures while the server was healthy; server log:\n${srv.output().slice(-3000)}`);
    const acked = state.blobs.filter((b) => b.acked);
    const unacked = state.blobs.filter((b) => !b.acked);
    const ackedManifests = state.manifests.filter((m) => m.acked);
    t.diagnostic(
      `cycle ${cycle}: killed at ${killedAt} ms with ${acked.length}/${state.blobs.length} blobs and ${ackedManifests.length}/${state.manifests.length} ` +
        `manifests acknowledged, ${inFlight} uploads in flight (${midStream} still sending their body)`,
    );
    assert.ok(acked.length >= MIN_ACKED_BLOBS, `cycle ${cycle}: only ${acked.length} blob pushes were acknowledged before the kill`);
    assert.ok(ackedManifests.length >= MIN_ACKED_MANIFESTS, `cycle ${cycle}: only ${ackedManifests.length} manifest pushes were acknowledged before the kill`);
    assert.ok(unacked.length > STALLERS, `cycle ${cycle}: no blob push besides the stallers was interrupted`);
    assert.ok(inFlight > STALLERS, `cycle ${cycle}: only ${inFlight} uploads were in flight at the kill`);
    assert.ok(midStream >= STALLERS, `cycle ${cycle}: only ${midStream} request bodies were mid-stream at the kill`);
    totals.midStream += midStream;

    // The stalled PATCHes really left bytes past the acknowledged size in the store.
    const stalled = state.sessions.filter((s) => s.stalled);
    assert.equal(stalled.length, STALLERS, `cycle ${cycle}: a staller did not get its chunks acknowledged`);
    for (const s of stalled) {
      assert.equal(s.ackedSize, 2 * 256 * 1024);
      const onDisk = uploadFileSize(dataDir, s.id);
      assert.ok(onDisk >= 0, `upload file of session ${s.id} is missing after the kill`);
      assert.ok(onDisk > s.ackedSize, `cycle ${cycle}: the stalled PATCH of ${s.id} left no bytes past the acknowledged size`);
    }
    // No committed blob file is partial, whatever the metadata says.
    const tKilled = Date.now();
    await checkStoredBlobs(dataDir, checkedFiles);

    const tRestartBegin = Date.now();
    // (3) Restart on the same data directory: it must come up cleanly and be ready.
    srv = await startWharf({ dataDir, anonymous: true });
    const base = srv.url;
    const ready = await send(base, 'GET', '/readyz');
    assert.equal(ready.status, 200, `not ready after restart: ${ready.body.toString()}`);
    assert.doesNotMatch(srv.output(), /"level":(50|60)/, `errors logged while starting after the crash:\n${srv.output()}`);

    allBlobs.push(...state.blobs);
    allManifests.push(...state.manifests);

    const tRestarted = Date.now();
    // (4) Resume every interrupted session from what the server says it holds.
    const open = state.sessions.filter((s) => !s.done);
    await mapLimit(open, 8, async (s) => {
      const status = await send(base, 'GET', s.location);
      const attempt = allBlobs.find((b) => b.digest === s.digest)!;
      if (status.status === 404) {
        // Only a PUT in flight at the kill may have finished the session (blob committed with it).
        assert.equal(s.inflight?.kind, 'put', `session ${s.id} (${s.ackedSize} bytes acknowledged, ${s.stalled ? 'stalled' : 'interrupted'} ${s.inflight?.kind ?? 'idle'}) vanished after the restart`);
        const blob = await getBlob(base, s.repo, s.digest);
        assert.equal(blob.status, 200, `session ${s.id} is gone but its blob ${s.digest} is not served`);
        assert.equal(sha256(blob.body), s.digest);
        totals.resumedCommitted++;
        attempt.acked = true;
        return;
      }
      assert.equal(status.status, 204, `status of session ${s.id}: ${status.status} ${status.body.toString()}`);
      const size = rangeSize(status, s.ackedSize);
      const allowed = new Set([s.ackedSize]);
      // A request that the server may have completed without the client seeing the response.
      if (s.inflight && s.inflight.bodyComplete()) allowed.add(s.inflight.start + s.inflight.length);
      assert.ok(
        allowed.has(size),
        `session ${s.id}: server reports ${size} bytes after the restart, acknowledged ${s.ackedSize} (in flight: ${JSON.stringify(s.inflight && { kind: s.inflight.kind, start: s.inflight.start, length: s.inflight.length })}, stalled: ${s.stalled})`,
      );
      if (s.stalled) assert.equal(size, s.ackedSize, `stalled session ${s.id} kept bytes of the cut PATCH`);
      // PATCH the rest from the server's offset, in up to two pieces, then PUT without a body.
      let offset = size;
      while (offset < s.data.length) {
        const end = Math.min(s.data.length, offset + Math.max(64 * 1024, Math.ceil((s.data.length - size) / 2)));
        const res = await send(base, 'PATCH', s.location, {
          headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${end - 1}` },
          body: s.data.subarray(offset, end),
        });
        assert.equal(res.status, 202, `resumed PATCH ${offset}-${end - 1} of ${s.id}: ${res.status} ${res.body.toString()}`);
        assert.equal(rangeSize(res, end), end);
        offset = end;
      }
      const put = await send(base, 'PUT', `${s.location}?digest=${s.digest}`);
      if (put.status !== 201) {
        // A client whose PUT was cut by the crash retries it. If that cannot work, record the
        // defect (reported at the end, after every other check has run), then do what the client
        // would do next: push the same bytes again in a new upload, which must succeed.
        const blob = await send(base, 'HEAD', `/v2/${s.repo}/blobs/${s.digest}`);
        findings.push(
          `cycle ${cycle}: retried PUT of session ${s.id} (${s.data.length} bytes, server had ${size}, acknowledged ${s.ackedSize}, ` +
            `in flight at the kill: ${s.inflight?.kind ?? 'nothing'}) failed: ${put.status} ${put.body.toString()}\n` +
            `  upload file after the restart: ${uploadFileSize(dataDir, s.id) < 0 ? 'missing' : 'present'}; committed blob file: ` +
            `${existsSync(blobFile(dataDir, s.digest)) ? 'present' : 'missing'}; HEAD blob: ${blob.status}\n` +
            `  server log: ${logOf(srv, header(put, 'x-request-id'))}`,
        );
        const again = await send(base, 'POST', `/v2/${s.repo}/blobs/uploads/?digest=${s.digest}`, {
          headers: { 'content-type': 'application/octet-stream' },
          body: s.data,
        });
        assert.equal(again.status, 201, `pushing ${s.digest} again in a new upload after the failed retry: ${again.status} ${again.body.toString()}`);
        attempt.acked = true;
        attempt.how = 'after-restart';
        return;
      }
      assert.equal(header(put, 'docker-content-digest'), s.digest);
      totals.resumed++;
      if (s.stalled) totals.resumedPastCut++;
      attempt.acked = true;
      attempt.how = 'resumed';
    });
    assert.ok(open.filter((s) => s.stalled).length === STALLERS);

    const tResumed = Date.now();
    // (1) Everything acknowledged so far, in this cycle or an earlier one, is complete.
    const ackedBlobs = allBlobs.filter((b) => b.acked);
    await mapLimit(ackedBlobs, 6, async (b) => {
      const res = await getBlob(base, b.repo, b.digest);
      assert.equal(res.status, 200, `acknowledged blob ${b.digest} (${b.how}, ${b.size} bytes, cycle ${b.cycle}) is not served: ${res.status} ${res.body.toString()}`);
      assert.equal(res.body.length, b.size, `acknowledged blob ${b.digest} has ${res.body.length} bytes, pushed ${b.size}`);
      assert.equal(sha256(res.body), b.digest, `acknowledged blob ${b.digest} is served with other bytes`);
    });
    // (2) Nothing unacknowledged is served partially: 404 or the exact bytes.
    const unackedBlobs = allBlobs.filter((b) => !b.acked);
    await mapLimit(unackedBlobs, 6, async (b) => {
      const res = await getBlob(base, b.repo, b.digest);
      assert.ok(res.status === 404 || res.status === 200, `unacknowledged blob ${b.digest}: status ${res.status} ${res.body.toString()}`);
      if (res.status === 200) {
        assert.equal(res.body.length, b.size, `unacknowledged blob ${b.digest} served with ${res.body.length} of ${b.size} bytes`);
        assert.equal(sha256(res.body), b.digest, `unacknowledged blob ${b.digest} served with wrong bytes`);
        totals.unackedServedWhole++;
      }
    });
    for (const m of allManifests.filter((x) => x.acked)) {
      for (const reference of [m.tag, m.digest]) {
        const res = await getManifest(base, m.repo, reference);
        assert.equal(res.status, 200, `acknowledged manifest ${m.repo}:${reference} (cycle ${m.cycle}) is not served: ${res.status} ${res.body.toString()}`);
        assert.ok(res.body.equals(m.bytes), `acknowledged manifest ${m.repo}:${reference} is served with other bytes`);
        assert.equal(header(res, 'docker-content-digest'), m.digest);
      }
    }
    for (const m of allManifests.filter((x) => !x.acked)) {
      for (const reference of [m.tag, m.digest]) {
        const res = await getManifest(base, m.repo, reference);
        assert.ok(res.status === 404 || res.status === 200, `unacknowledged manifest ${m.repo}:${reference}: ${res.status}`);
        if (res.status === 200) assert.ok(res.body.equals(m.bytes), `unacknowledged manifest ${m.repo}:${reference} served with other bytes`);
      }
    }
    const tVerified = Date.now();
    totals.ackedBlobs += acked.length;
    totals.unackedBlobs += unacked.length;
    totals.ackedManifests += ackedManifests.length;
    totals.unackedManifests += state.manifests.length - ackedManifests.length;
    t.diagnostic(
      `cycle ${cycle}: ${acked.length} blobs and ${ackedManifests.length} manifests acknowledged, ${unacked.length} blobs and ` +
        `${state.manifests.length - ackedManifests.length} manifests interrupted, ${midStream} bodies mid-stream at the kill, ` +
        `${open.length} sessions resumed or found committed; ms: disk check ${tRestartBegin - tKilled}, restart ${tRestarted - tRestartBegin}, resume ${tResumed - tRestarted}, verify ${tVerified - tResumed}`,
    );
  }

  // (3) After the last crash the restarted server still takes a complete new push.
  const base = srv.url;
  const data = randomBytes(MIN_BLOB + 12345);
  const digest = sha256(data);
  const post = await send(base, 'POST', `/v2/crash/after/blobs/uploads/?digest=${digest}`, { headers: { 'content-type': 'application/octet-stream' }, body: data });
  assert.equal(post.status, 201, `push after restart: ${post.status} ${post.body.toString()}`);
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const configPost = await send(base, 'POST', `/v2/crash/after/blobs/uploads/?digest=${sha256(config)}`, { body: config });
  assert.equal(configPost.status, 201);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
      layers: [{ mediaType: OCI_LAYER, digest, size: data.length }],
    }),
  );
  const put = await send(base, 'PUT', '/v2/crash/after/manifests/v1', { headers: { 'content-type': OCI_MANIFEST }, body: manifest });
  assert.equal(put.status, 201, `manifest push after restart: ${put.status} ${put.body.toString()}`);
  const back = await getBlob(base, 'crash/after', digest);
  assert.equal(back.status, 200);
  assert.equal(sha256(back.body), digest);
  const byTag = await getManifest(base, 'crash/after', 'v1');
  assert.ok(byTag.status === 200 && byTag.body.equals(manifest));

  await checkStoredBlobs(dataDir, checkedFiles);
  assert.ok(totals.resumedPastCut >= CYCLES * STALLERS);
  t.diagnostic(`totals: ${JSON.stringify(totals)}`);
  assert.equal(await srv.stop(), 0, `clean shutdown after the crash cycles failed:\n${srv.output().slice(-2000)}`);
  assert.deepEqual(findings, [], `interrupted uploads that could not be finished after the restart:\n${findings.join('\n')}`);
});
