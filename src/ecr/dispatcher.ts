// The ECR JSON 1.1 front door: `POST /` with `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.Op`.
// Authenticates the SigV4 signature, authorizes the operation's action, runs it, and writes
// results and errors the way the AWS SDKs parse them.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AwsError, asAwsError } from '../aws/errors.js';
import { authenticateSigned } from '../aws/signed-request.js';
import type { Runtime } from '../server/runtime.js';
import { ECR_OPERATIONS } from './operations.js';
import { ecrErrorFromDomain } from './domain-errors.js';
import { RegistryError } from '../registry/index.js';

export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

export function sendEcrError(reply: FastifyReply, error: AwsError): void {
  reply
    .code(error.status)
    .header('content-type', CONTENT_TYPE)
    .header('x-amzn-errortype', error.code)
    .send(JSON.stringify({ __type: error.code, message: error.message, ...error.fields }));
}

function endpointOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? request.hostname}`;
}

function parseInput(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsError('SerializationException', 'Request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AwsError('SerializationException', 'Request body must be a JSON object');
  return value as Record<string, unknown>;
}

export async function handleEcr(request: FastifyRequest, reply: FastifyReply, body: Buffer, runtime: Runtime): Promise<void> {
  reply.header('x-amzn-requestid', String(request.id));
  try {
    const target = String(request.headers['x-amz-target'] ?? '');
    const caller = await authenticateSigned(request, body, runtime.iam.control, { services: ['ecr'], dialect: 'json', regions: [runtime.config.region] });
    const name = target.startsWith(ECR_TARGET_PREFIX) ? target.slice(ECR_TARGET_PREFIX.length) : '';
    const operation = Object.hasOwn(ECR_OPERATIONS, name) ? ECR_OPERATIONS[name] : undefined;
    if (!operation) throw new AwsError('UnknownOperationException', `Operation ${target || '(none)'} is not supported`);
    const input = parseInput(body);
    const repository = operation.repository(input);
    if (!(await runtime.iam.control.authorize(caller.principal, operation.action, repository, caller.info, operation.conditionKeys?.(input) ?? {}))) {
      const resource = repository === null ? '*' : runtime.iam.control.repositoryArn(repository);
      throw new AwsError(
        'AccessDeniedException',
        `User: ${caller.principal.arn} is not authorized to perform: ${operation.action} on resource: ${resource}`,
      );
    }
    const output = await operation.handler({ input, principal: caller.principal, info: caller.info, runtime, endpoint: endpointOf(request) });
    if (operation.changesAccess) runtime.iam.control.invalidate();
    request.log.info({ operation: name, principal: caller.principal.arn }, 'ecr operation');
    reply.code(200).header('content-type', CONTENT_TYPE).send(JSON.stringify(output));
  } catch (error) {
    const aws = error instanceof RegistryError ? ecrErrorFromDomain(error) : asAwsError(error);
    if (!aws) throw error;
    request.log.info({ code: aws.code }, aws.message);
    sendEcrError(reply, aws);
  }
}
