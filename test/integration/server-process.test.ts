// The process around the registry: TLS, health and readiness, request ids, graceful shutdown,
// and refusing bad configuration with a readable message.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MAIN_JS, makeTempDir, startWharf, type WharfProcess } from '../helpers/server.js';

const run = promisify(execFile);

function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, servername: 'localhost' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('wharf serve as a process', () => {
  const servers: WharfProcess[] = [];
  after(async () => {
    for (const s of servers) await s.dispose();
  });

  it('serves HTTPS with a self-signed certificate that it keeps across restarts', async () => {
    const dataDir = makeTempDir();
    try {
      let server = await startWharf({ dataDir, extraArgs: ['--tls-self-signed'] });
      assert.match(server.url, /^https:\/\//);
      const cert = readFileSync(join(dataDir, 'tls-self-signed.crt'), 'utf8');
      const first = await httpsGet(`${server.url}/v2/`, cert);
      assert.equal(first.status, 200);
      await server.stop();
      server = await startWharf({ dataDir, extraArgs: ['--tls-self-signed'] });
      // The same certificate still verifies: it was not regenerated.
      const second = await httpsGet(`${server.url}/healthz`, cert);
      assert.equal(second.status, 200);
      await server.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('answers health and readiness, and echoes or assigns request ids', async () => {
    const server = await startWharf();
    servers.push(server);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    const given = await fetch(`${server.url}/v2/`, { headers: { 'x-request-id': 'trace-123' } });
    assert.equal(given.headers.get('x-request-id'), 'trace-123');
    const assigned = await fetch(`${server.url}/v2/`, { headers: { 'x-request-id': 'bad id with spaces' } });
    assert.match(assigned.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    // The request line in the log carries the id.
    await new Promise((r) => setTimeout(r, 100));
    assert.match(server.output(), /"reqId":"trace-123"[^\n]*"msg":"request"/);
  });

  it('lets an in-flight request finish on SIGTERM, then exits 0', async () => {
    const server = await startWharf();
    servers.push(server);
    const start = await fetch(`${server.url}/v2/slow/blobs/uploads/`, { method: 'POST' });
    const location = new URL(start.headers.get('location')!, server.url);
    const body = Buffer.alloc(256 * 1024, 7);
    const { createHash } = await import('node:crypto');
    const digest = 'sha256:' + createHash('sha256').update(body).digest('hex');
    location.searchParams.set('digest', digest);
    // Stream the body slowly so the request is still open when the signal arrives.
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (let i = 0; i < 8; i++) {
          controller.enqueue(body.subarray(i * 32768, (i + 1) * 32768));
          await new Promise((r) => setTimeout(r, 100));
        }
        controller.close();
      },
    });
    const put = fetch(location, { method: 'PUT', body: stream, duplex: 'half', headers: { 'content-type': 'application/octet-stream' } } as RequestInit);
    await new Promise((r) => setTimeout(r, 250));
    const exited = server.stop();
    const response = await put;
    assert.equal(response.status, 201);
    assert.equal(await exited, 0);
  });

  it('refuses invalid configuration with a readable message', async () => {
    const dataDir = makeTempDir();
    try {
      await assert.rejects(
        run(process.execPath, [MAIN_JS, 'serve', '--data-dir', dataDir, '--listen', 'nonsense', '--anonymous']),
        (error: { stderr?: string }) => /listen must be HOST:PORT/.test(error.stderr ?? ''),
      );
      await assert.rejects(
        run(process.execPath, [MAIN_JS, 'serve', '--data-dir', dataDir, '--upload-ttl', 'soon', '--anonymous']),
        (error: { stderr?: string }) => /invalid duration/.test(error.stderr ?? ''),
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
