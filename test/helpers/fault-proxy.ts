// An HTTP reverse proxy in front of an S3 server that fails chosen requests on purpose, so tests can
// check how the registry copes with throttling, server errors and dropped connections.
//
// Requests go upstream unchanged, Host header included: the client signs (SigV4) the proxy's
// host:port, and RGW verifies against the Host it receives, so rewriting it would break signatures.
import { createServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultKind = 'slowdown' | '500' | 'reset';

export interface FaultProxyStats {
  /** Requests the proxy received. */
  requests: number;
  /** Requests passed on to the target. */
  forwarded: number;
  /** Requests answered with a fault instead. */
  faults: number;
  faultsByKind: Record<FaultKind, number>;
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT, to use as the S3 endpoint instead of the target's. */
  endpoint: string;
  /** Fails the next `count` requests (after any matching failWhen rule) with `kind`. */
  failNext(count: number, kind: FaultKind): void;
  /** Fails requests for which `predicate` holds with `kind`, `times` times (default: every time). */
  failWhen(predicate: (req: IncomingMessage) => boolean, kind: FaultKind, times?: number): void;
  /** Drops pending faults and rules. */
  clearFaults(): void;
  stats(): FaultProxyStats;
  /** Zeroes the counters. */
  resetStats(): void;
  close(): Promise<void>;
}

// The bodies AWS sends for these errors; the SDKs decide on retries from the status and the code.
const ERROR_RESPONSES: Record<'slowdown' | '500', { status: number; code: string; message: string }> = {
  slowdown: { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
  '500': { status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' },
};

// Connection-level headers describe one hop only; Node sets its own for the upstream connection.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

interface Rule {
  predicate: (req: IncomingMessage) => boolean;
  kind: FaultKind;
  remaining: number;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  if (upstream.protocol !== 'http:') throw new Error(`fault proxy: only http targets are supported, not ${target}`);
  const agent = new Agent({ keepAlive: true });
  let rules: Rule[] = [];
  let next: { count: number; kind: FaultKind } = { count: 0, kind: 'slowdown' };
  const emptyStats = (): FaultProxyStats => ({ requests: 0, forwarded: 0, faults: 0, faultsByKind: { slowdown: 0, '500': 0, reset: 0 } });
  let stats = emptyStats();

  const chooseFault = (req: IncomingMessage): FaultKind | null => {
    const rule = rules.find((r) => r.remaining > 0 && r.predicate(req));
    if (rule) {
      rule.remaining--;
      return rule.kind;
    }
    if (next.count > 0) {
      next.count--;
      return next.kind;
    }
    return null;
  };

  const injectFault = (req: IncomingMessage, res: ServerResponse, kind: FaultKind) => {
    stats.faults++;
    stats.faultsByKind[kind]++;
    if (kind === 'reset') {
      req.socket.destroy();
      return;
    }
    const { status, code, message } = ERROR_RESPONSES[kind];
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
    // The request body is never read: closing the connection spares the client a keep-alive socket
    // with unread bytes in it.
    res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  };

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    stats.forwarded++;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    const upstreamReq = httpRequest({
      host: upstream.hostname,
      port: upstream.port || 80,
      method: req.method,
      path: req.url,
      headers,
      agent,
    }, (upstreamRes) => {
      const responseHeaders: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(upstreamRes.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) responseHeaders[name] = value;
      }
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, responseHeaders);
      upstreamRes.pipe(res);
      upstreamRes.on('error', () => res.destroy());
    });
    upstreamReq.on('error', (error) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { 'content-type': 'text/plain', connection: 'close' });
      res.end(`fault proxy: upstream failed: ${error.message}\n`);
    });
    // A client that goes away mid-request must not leave the upstream request hanging.
    res.on('close', () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    req.pipe(upstreamReq);
  };

  const server = createServer((req, res) => {
    stats.requests++;
    const fault = chooseFault(req);
    if (fault) injectFault(req, res, fault);
    else forward(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    failNext(count, kind) {
      next = { count, kind };
    },
    failWhen(predicate, kind, times = Infinity) {
      rules.push({ predicate, kind, remaining: times });
    },
    clearFaults() {
      rules = [];
      next = { count: 0, kind: 'slowdown' };
    },
    stats: () => structuredClone(stats),
    resetStats() {
      stats = emptyStats();
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      });
    },
  };
}
