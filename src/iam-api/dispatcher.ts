// The AWS query-protocol front door for IAM and STS: `POST /` with a form body `Action=...`,
// signed for service `iam` or `sts`. Answers in the XML the AWS CLI and SDKs parse.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AwsError, asAwsError } from '../aws/errors.js';
import { authenticateSigned } from '../aws/signed-request.js';
import { parseAuthorizationHeader } from '../iam/sigv4/index.js';
import type { Runtime } from '../server/runtime.js';
import { IAM_OPERATIONS } from './iam-operations.js';
import type { QueryOperation } from './operation.js';
import { STS_OPERATIONS } from './sts-operations.js';
import { queryError, queryResponse } from './xml.js';

const SERVICES: Record<string, { namespace: string; operations: Readonly<Record<string, QueryOperation>> }> = {
  iam: { namespace: 'https://iam.amazonaws.com/doc/2010-05-08/', operations: IAM_OPERATIONS },
  sts: { namespace: 'https://sts.amazonaws.com/doc/2011-06-15/', operations: STS_OPERATIONS },
};

/** The service a query request is for, from its credential scope (IAM and STS share the wire format). */
function serviceOf(request: FastifyRequest): string {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    try {
      const service = parseAuthorizationHeader(authorization).service;
      if (service in SERVICES) return service;
    } catch {
      // Reported by the signature check below.
    }
  }
  return 'iam';
}

export async function handleQuery(request: FastifyRequest, reply: FastifyReply, body: Buffer, runtime: Runtime): Promise<void> {
  const service = serviceOf(request);
  const { namespace, operations } = SERVICES[service]!;
  const requestId = String(request.id);
  reply.header('x-amzn-requestid', requestId).header('content-type', 'text/xml');
  try {
    const caller = await authenticateSigned(request, body, runtime.iam.control, {
      services: [service],
      dialect: 'query',
      regions: [...new Set([runtime.config.region, 'us-east-1'])],
    });
    const params = new URLSearchParams(body.toString('utf8'));
    const action = params.get('Action') ?? '';
    const operation = Object.hasOwn(operations, action) ? operations[action] : undefined;
    if (!operation) throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${params.get('Version') ?? ''}`);
    const call = { params, caller, info: caller.info, runtime };
    if (operation.action !== null) {
      const resource = operation.resource(call);
      if (!(await runtime.iam.control.authorizeArn(caller.principal, operation.action, resource, caller.info))) {
        throw new AwsError('AccessDenied', `User: ${caller.principal.arn} is not authorized to perform: ${operation.action} on resource: ${resource}`, 403);
      }
    }
    const result = await operation.handler(call);
    // Any IAM write may change who is who or what they may do.
    if (service === 'iam' && !/^(Get|List)/.test(action)) runtime.iam.control.invalidate();
    request.log.info({ service, action, principal: caller.principal.arn }, 'query operation');
    reply.code(200).send(queryResponse(action, namespace, result, requestId));
  } catch (error) {
    const aws = asAwsError(error);
    if (!aws) throw error;
    request.log.info({ code: aws.code }, aws.message);
    reply.code(aws.status).send(queryError(namespace, aws.code, aws.message, aws.status, requestId));
  }
}
