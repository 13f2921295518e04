// The durable job queue on PostgreSQL (the multi-node store; CI's PostgreSQL pass sets
// WHARF_TEST_POSTGRES), with two "nodes" (two connections) competing for the same jobs. On SQLite
// the same code runs inside the servers of the other suites (upload expiry is a job); it is not
// opened in this test process because better-sqlite3 12 can abort a Node 24 process whose
// statement objects are finalized during exit (servers and `wharf admin` leave via process.exit).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { openPostgres, type MetaDatabase } from '../../src/meta/index.js';
import { JobQueue, JobRunner } from '../../src/jobs/index.js';
import { makeTempDir, postgresFor } from '../helpers/server.js';

async function openNode(dataDir: string): Promise<MetaDatabase> {
  const url = await postgresFor(dataDir);
  if (!url) throw new Error('WHARF_TEST_POSTGRES is not set');
  return openPostgres({ url, poolSize: 4 });
}

const SKIP = process.env.WHARF_TEST_POSTGRES ? false : 'runs in the PostgreSQL pass (WHARF_TEST_POSTGRES)';

describe('durable job queue', { skip: SKIP }, () => {
  let dataDir: string;
  let nodeA: MetaDatabase | undefined;
  let nodeB: MetaDatabase | undefined;
  let clock = Date.now();
  const now = () => clock;
  let queueA: JobQueue;
  let queueB: JobQueue;

  before(async () => {
    dataDir = makeTempDir();
    nodeA = await openNode(dataDir);
    nodeB = await openNode(dataDir);
    queueA = new JobQueue(nodeA.db, now);
    queueB = new JobQueue(nodeB.db, now);
  });

  after(async () => {
    await nodeA?.close();
    await nodeB?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('gives each due job to exactly one of two competing nodes', async () => {
    for (let i = 0; i < 30; i++) await queueA.enqueue('race', { i });
    const claimed: number[] = [];
    const worker = async (queue: JobQueue, owner: string) => {
      for (;;) {
        const job = await queue.claim(owner, ['race'], 60_000);
        if (!job) return;
        claimed.push((job.payload as { i: number }).i);
        await queue.complete(job.id, owner);
      }
    };
    await Promise.all([worker(queueA, 'a1'), worker(queueB, 'b1'), worker(queueA, 'a2'), worker(queueB, 'b2')]);
    assert.deepEqual([...claimed].sort((x, y) => x - y), Array.from({ length: 30 }, (_, i) => i));
  });

  it('lets another node take over a job whose lease ran out (its node died)', async () => {
    await queueA.enqueue('lease', { n: 1 }, { key: 'lease-1' });
    const first = await queueA.claim('dead-node', ['lease'], 1_000);
    assert.ok(first);
    assert.equal(await queueB.claim('live-node', ['lease'], 1_000), null, 'leased: not claimable');
    clock += 1_500;
    const second = await queueB.claim('live-node', ['lease'], 1_000);
    assert.equal(second?.id, first.id);
    assert.equal(second?.attempts, 2);
    // The dead node's late completion does not count: it no longer holds the lease.
    await queueA.complete(first.id, 'dead-node');
    assert.equal(await queueA.renew(first.id, 'dead-node', 1_000), false);
    await queueB.complete(second!.id, 'live-node');
    const row = await nodeA!.db.selectFrom('jobs').selectAll().where('id', '=', first.id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'done');
  });

  it('retries failures with backoff and gives up after max attempts', async () => {
    await queueA.enqueue('flaky', null, { key: 'flaky-1', maxAttempts: 2 });
    const first = await queueA.claim('n', ['flaky'], 60_000);
    await queueA.fail(first!.id, 'n', 'boom');
    assert.equal(await queueA.claim('n', ['flaky'], 60_000), null, 'backing off');
    clock += 61_000;
    const second = await queueA.claim('n', ['flaky'], 60_000);
    assert.equal(second?.attempts, 2);
    await queueA.fail(second!.id, 'n', 'boom again');
    const row = await nodeA!.db.selectFrom('jobs').selectAll().where('id', '=', first!.id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'failed');
    assert.equal(row.last_error, 'boom again');
  });

  it('re-arms recurring jobs after each run, once per key', async () => {
    await queueA.ensureRecurring('tick', 'tick', 5_000);
    await queueB.ensureRecurring('tick', 'tick', 5_000);
    const job = await queueB.claim('n', ['tick'], 60_000);
    assert.ok(job);
    await queueB.complete(job.id, 'n');
    assert.equal(await queueA.claim('n', ['tick'], 60_000), null, 'not due again yet');
    clock += 5_001;
    assert.equal((await queueA.claim('n', ['tick'], 60_000))?.id, job.id);
    const rows = await nodeA!.db.selectFrom('jobs').select('id').where('key', '=', 'tick').execute();
    assert.equal(rows.length, 1);
  });

  it('runs handlers through the runner and records their failures', async () => {
    const seen: unknown[] = [];
    await queueA.enqueue('ok', { hello: 'world' });
    await queueA.enqueue('broken', null, { maxAttempts: 1 });
    const runner = new JobRunner(
      queueA,
      {
        ok: async (payload) => void seen.push(payload),
        broken: async () => {
          throw new Error('handler failed');
        },
      },
      pino({ level: 'silent' }),
      { pollMs: 1_000, leaseMs: 10_000 },
    );
    await runner.drain();
    assert.deepEqual(seen, [{ hello: 'world' }]);
    const broken = await nodeA!.db.selectFrom('jobs').selectAll().where('kind', '=', 'broken').executeTakeFirstOrThrow();
    assert.equal(broken.status, 'failed');
    assert.equal(broken.last_error, 'handler failed');
  });
});
