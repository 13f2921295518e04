import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccessControl, Principal, RequestInfo } from '../access/index.js';
import type { MayCreate, Registry } from '../registry/index.js';

/** What a /v2/ handler gets: the parsed path, the caller, and the services. */
export interface OciCall {
  request: FastifyRequest;
  reply: FastifyReply;
  /** Path parameters from the route pattern, already checked against the grammar. */
  params: { name: string; reference: string };
  query: Record<string, string | undefined>;
  principal: Principal;
  info: RequestInfo;
  /** Whether this caller may create a repository on push (ecr:CreateRepository). */
  mayCreate: MayCreate;
  registry: Registry;
  access: AccessControl;
}

export type OciHandler = (call: OciCall) => Promise<void>;
