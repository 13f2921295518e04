// The /v2/ front door: one catch-all Fastify route that authenticates, matches the route table,
// checks the grammar, authorizes, and hands over to the handler. Bodies are never parsed here;
// handlers stream them.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessControl, RequestInfo } from '../access/index.js';
import { assertName, RegistryError, type Registry } from '../registry/index.js';
import { OCI_STATUS, ociErrorBody } from './errors.js';
import { matchRoute } from './routes.js';

export interface OciPluginOptions {
  registry: Registry;
  access: AccessControl;
}

const API_VERSION = 'registry/2.0';

export function sendOciError(reply: FastifyReply, error: RegistryError): void {
  const status = OCI_STATUS[error.code];
  if (status === 401) reply.header('www-authenticate', `Basic realm="${reply.server.ociRealm}"`);
  // The failure window is a minute; clients such as skopeo back off by this header.
  if (status === 429) reply.header('retry-after', '60');
  reply.code(status).header('content-type', 'application/json');
  // HEAD responses carry the status and headers but no body.
  if (reply.request.method === 'HEAD') reply.send();
  else reply.send(JSON.stringify(ociErrorBody(error.code, error.message, error.detail)));
}

declare module 'fastify' {
  interface FastifyInstance {
    ociRealm: string;
  }
}

export async function ociPlugin(app: FastifyInstance, options: OciPluginOptions): Promise<void> {
  const { registry, access } = options;
  app.decorate('ociRealm', access.realm);

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('docker-distribution-api-version', API_VERSION);
    const rawUrl = request.raw.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const pathname = queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart);
    const match = matchRoute(request.method, pathname);
    if (match === null) throw new RegistryError('NAME_UNKNOWN', 'no such endpoint', { path: pathname });
    if (match === 'method') throw new RegistryError('UNSUPPORTED', `method ${request.method} is not supported here`);

    const info: RequestInfo = { sourceIp: request.ip, secureTransport: request.protocol === 'https', requestId: String(request.id) };
    const authenticated = await access.authenticateBasic(request.headers.authorization, info);
    if (!authenticated.ok) {
      throw new RegistryError(authenticated.reason === 'throttled' ? 'TOO_MANY_REQUESTS' : 'UNAUTHORIZED', authenticated.message);
    }
    const { principal } = authenticated;
    const { route } = match;
    if (route.pattern.source.includes('(.+?)')) assertName(match.name);
    // Routes without an action (the version check, the catalog) need a known caller; that is where
    // clients learn they must log in. Only a registry that admits anonymous callers to everything
    // (--anonymous) answers them without credentials.
    const allowed = route.action
      ? await access.authorize(principal, route.action, match.name || null, info)
      : principal.kind !== 'anonymous' || access.admitsAnonymous;
    if (!allowed) {
      // Anonymous callers are challenged (so clients send credentials); known ones are refused.
      if (principal.kind === 'anonymous') throw new RegistryError('UNAUTHORIZED', 'authentication required');
      throw new RegistryError('DENIED', 'requested access to the resource is denied', { action: route.action });
    }
    request.log.debug({ route: route.id, repository: match.name }, 'oci route');
    const query = Object.fromEntries(new URLSearchParams(queryStart < 0 ? '' : rawUrl.slice(queryStart + 1)));
    await route.handler({
      request,
      reply,
      params: { name: match.name, reference: match.reference },
      query,
      principal,
      info,
      mayCreate: (name) => access.authorize(principal, 'ecr:CreateRepository', name, info),
      registry,
      access,
    });
  };

  app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/v2', handler: handle });
  app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/v2/*', handler: handle });
}
