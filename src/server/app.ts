// Assembles the HTTP server: logging with request ids, health endpoints, the /v2/ front door, and
// the single error handler that turns every failure into a protocol error, never a stack trace.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import { awsPlugin } from '../aws/plugin.js';
import { layerUrlPlugin } from '../ecr/download-urls.js';
import { ociPlugin, sendOciError } from '../oci/plugin.js';
import { RegistryError } from '../registry/index.js';
import type { Runtime } from './runtime.js';
import type { TlsMaterial } from './tls.js';

export interface AppOptions {
  runtime: Runtime;
  logger: Logger;
  tls: TlsMaterial | null;
  /** Set while shutting down, so /readyz tells load balancers to stop sending traffic. */
  isClosing?: () => boolean;
}

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** Errors Fastify raises before a handler runs (bad headers, bodies), mapped to OCI codes. */
function fromFrameworkError(error: { statusCode?: number; code?: string; message: string }): RegistryError | null {
  const status = error.statusCode ?? 500;
  if (status >= 500) return null;
  if (status === 413) return new RegistryError('SIZE_INVALID', error.message);
  if (status === 404) return new RegistryError('NAME_UNKNOWN', error.message);
  return new RegistryError('UNSUPPORTED', error.message);
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { runtime, logger } = options;
  const serverOptions: FastifyServerOptions = {
    loggerInstance: logger,
    // One line per request, written in onResponse below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    exposeHeadRoutes: false,
    // Large layers over slow links may take long in total; only idle sockets are cut.
    requestTimeout: 0,
    connectionTimeout: 120_000,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    // request.ip is the peer address unless a trusted proxy vouches for another (aws:SourceIp).
    ...(runtime.config.trustedProxies.length > 0 ? { trustProxy: runtime.config.trustedProxies } : {}),
    forceCloseConnections: 'idle',
  };
  // Fastify's typings split HTTP and HTTPS servers; the routes below are the same for both.
  const app = (options.tls
    ? Fastify({ ...serverOptions, https: { cert: options.tls.cert, key: options.tls.key } } as FastifyServerOptions)
    : Fastify(serverOptions)) as FastifyInstance;

  // Bodies are streamed by the handlers that want them; nothing is parsed or buffered up front.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // While shutting down, responses close their connection so keep-alive clients let go.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (options.isClosing?.()) reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request',
    );
  });

  app.setErrorHandler((error, request, reply) => {
    const registryError = error instanceof RegistryError ? error : fromFrameworkError(error as { statusCode?: number; message: string });
    if (registryError) {
      request.log.info({ code: registryError.code, detail: registryError.detail }, registryError.message);
      sendOciError(reply, registryError);
      return;
    }
    request.log.error({ err: error }, 'request failed');
    reply
      .code(500)
      .header('content-type', 'application/json')
      .send(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'internal error; see the server log for request ' + request.id }] }));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).header('content-type', 'application/json').send(JSON.stringify({ errors: [{ code: 'NOT_FOUND', message: `no route for ${request.method} ${request.url.split('?')[0]}` }] }));
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (options.isClosing?.()) return reply.code(503).send({ status: 'shutting down' });
    await runtime.meta.db.selectFrom('settings').select('key').limit(1).execute();
    await runtime.stores.plain.stat('sha256:' + '0'.repeat(64));
    return { status: 'ready' };
  });

  await app.register(ociPlugin, { registry: runtime.registry, access: runtime.access });
  await app.register(awsPlugin, { runtime });
  await app.register(layerUrlPlugin, { runtime });
  return app;
}
