// Authenticates a SigV4-signed request (ECR JSON, IAM and STS query) to a principal. Shared by the
// AWS-protocol front doors; the registry's /v2/ door uses Basic auth instead.
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Principal, RequestInfo } from '../access/index.js';
import type { IamAccessControl } from '../iam/index.js';
import { parseAuthorizationHeader, SigV4Error, verifySigV4, type SigV4Dialect } from '../iam/sigv4/index.js';
import { AwsError } from './errors.js';

export interface SignedCaller {
  principal: Exclude<Principal, { kind: 'anonymous' }>;
  info: RequestInfo;
  service: string;
}

export interface SignedRequestOptions {
  services: string[];
  dialect: SigV4Dialect;
  /** Regions a signature may be scoped to: the registry's, plus us-east-1 for global IAM/STS. */
  regions: string[];
}

export function requestInfo(request: FastifyRequest): RequestInfo {
  return { sourceIp: request.ip, secureTransport: request.protocol === 'https', requestId: String(request.id) };
}

export async function authenticateSigned(request: FastifyRequest, body: Buffer, control: IamAccessControl, options: SignedRequestOptions): Promise<SignedCaller> {
  const info = requestInfo(request);
  const limiter = control.failureLimiter;
  if (limiter.isBlocked(info.sourceIp)) {
    throw new AwsError(options.dialect === 'json' ? 'ThrottlingException' : 'Throttling', 'Rate exceeded: too many failed authentications', 400);
  }
  const rawUrl = request.raw.url ?? '/';
  const queryAt = rawUrl.indexOf('?');
  // The region option must be one of ours; pick the one the client scoped its signature to.
  let region = options.regions[0]!;
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization.startsWith('AWS4-')) {
    try {
      const scoped = parseAuthorizationHeader(authorization).region;
      if (options.regions.includes(scoped)) region = scoped;
    } catch {
      // verifySigV4 reports the malformed header with the right error type.
    }
  }
  let resolvedPrincipal: SignedCaller['principal'] | undefined;
  try {
    await verifySigV4(
      {
        method: request.method,
        path: queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt),
        query: queryAt < 0 ? '' : rawUrl.slice(queryAt + 1),
        headers: request.raw.headersDistinct as Record<string, string[]>,
        payloadSha256Hex: createHash('sha256').update(body).digest('hex'),
      },
      async (accessKeyId) => {
        const resolved = await control.resolveKey(accessKeyId);
        if (!resolved) return null;
        resolvedPrincipal = resolved.principal;
        return {
          secretAccessKey: resolved.secretAccessKey,
          ...(resolved.sessionToken ? { sessionToken: resolved.sessionToken } : {}),
          ...(resolved.expiresAt !== undefined ? { expiration: new Date(resolved.expiresAt) } : {}),
        };
      },
      { region, services: options.services, now: new Date(), dialect: options.dialect },
    );
  } catch (error) {
    if (error instanceof SigV4Error) limiter.recordFailure(info.sourceIp);
    throw error;
  }
  if (!resolvedPrincipal) throw new Error('SigV4 verified without resolving a principal');
  return { principal: resolvedPrincipal, info, service: options.services[0]! };
}
