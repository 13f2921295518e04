// A minimal HTTP/1.1 client for the benchmark: keep-alive, streamed bodies, bounded waits, and a
// hard rule that every request goes to 127.0.0.1 (the benchmark must never leave the machine).
import { createHash } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';

export const LOOPBACK = '127.0.0.1';

/** One agent for all registry traffic, so sequential requests reuse connections like real clients. */
const keepAliveAgent = new http.Agent({ keepAlive: true, maxSockets: 128 });

const DEFAULT_TIMEOUT_MS = 120_000;
/** Responses bigger than this are counted but not kept (blob bodies are never buffered). */
const MAX_BUFFERED_BODY = 16 * 1024 * 1024;

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string | number>;
  body?: Buffer | Readable;
  /** Count the response bytes without keeping them (blob pulls). */
  discardBody?: boolean;
  /** Compute the sha256 of the response body while it streams (for verifying blob pulls). */
  hashBody?: boolean;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Bytes of response body received (also when discarded). */
  bytes: number;
  /** `sha256:<hex>` of the body, when `hashBody` was asked for. */
  digest?: string;
}

export function send(request: HttpRequest): Promise<HttpResponse> {
  if (request.url.hostname !== LOOPBACK) {
    return Promise.reject(new Error(`refusing non-loopback request to ${request.url.href}`));
  }
  return new Promise<HttpResponse>((resolve, reject) => {
    const req = http.request(request.url, {
      method: request.method,
      headers: request.headers,
      agent: keepAliveAgent,
    });
    req.setTimeout(request.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => {
      req.destroy(new Error(`${request.method} ${request.url.pathname} timed out`));
    });
    req.on('error', reject);
    req.on('response', (res) => collectResponse(res, request).then(resolve, reject));
    writeBody(req, request.body);
  });
}

function writeBody(req: http.ClientRequest, body: Buffer | Readable | undefined): void {
  if (body instanceof Readable) {
    body.on('error', (err) => req.destroy(err));
    body.pipe(req);
  } else {
    req.end(body);
  }
}

function collectResponse(res: http.IncomingMessage, request: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const hash = request.hashBody ? createHash('sha256') : undefined;
    let bytes = 0;
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash?.update(chunk);
      if (!request.discardBody && bytes <= MAX_BUFFERED_BODY) chunks.push(chunk);
    });
    res.on('error', reject);
    res.on('end', () => {
      const body = Buffer.concat(chunks);
      const digest = hash ? `sha256:${hash.digest('hex')}` : undefined;
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body, bytes, ...(digest ? { digest } : {}) });
    });
  });
}

/** Polls `url` until the server answers HTTP at all (any status), or fails after `timeoutMs`. */
export async function waitUntilServing(url: URL, timeoutMs: number, isAlive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error('process exited before serving');
    try {
      await send({ method: 'GET', url, timeoutMs: 2_000 });
      return;
    } catch (err) {
      lastProblem = (err as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${url.href} not answering after ${timeoutMs} ms (${lastProblem})`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
