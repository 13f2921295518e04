// `POST /`: the AWS-protocol door. ECR's JSON API names its operation in X-Amz-Target; IAM and STS
// send a form with Action=. Bodies are bounded before anything is parsed.
import type { FastifyInstance } from 'fastify';
import { handleEcr } from '../ecr/dispatcher.js';
import { handleQuery } from '../iam-api/dispatcher.js';
import { readBoundedBody } from '../oci/http.js';
import { RegistryError } from '../registry/index.js';
import type { Runtime } from '../server/runtime.js';
import { AwsError } from './errors.js';
import { sendEcrError } from '../ecr/dispatcher.js';

/** ECR PutImage carries a manifest (4 MiB) and UploadLayerPart a base64 chunk; IAM forms are small. */
const MAX_ECR_BODY = 32 * 1024 * 1024;
const MAX_QUERY_BODY = 1024 * 1024;

export async function awsPlugin(app: FastifyInstance, options: { runtime: Runtime }): Promise<void> {
  app.post('/', async (request, reply) => {
    const isEcr = request.headers['x-amz-target'] !== undefined;
    let body: Buffer;
    try {
      body = await readBoundedBody(request.raw, isEcr ? MAX_ECR_BODY : MAX_QUERY_BODY);
    } catch (error) {
      if (error instanceof RegistryError && error.code === 'SIZE_INVALID') {
        sendEcrError(reply, new AwsError('InvalidParameterException', error.message, 413));
        return;
      }
      throw error;
    }
    if (isEcr) await handleEcr(request, reply, body, options.runtime);
    else await handleQuery(request, reply, body, options.runtime);
  });
}
