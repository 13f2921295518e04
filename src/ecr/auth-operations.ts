// GetAuthorizationToken: a 12-hour login token for `docker login -u AWS`, bound to the access key
// that signed the request.
import { LOGIN_TOKEN_TTL_MS } from '../iam/index.js';
import { AwsError } from '../aws/errors.js';
import type { EcrOperation } from './operation.js';
import { invalidParameter } from './validation.js';

export const getAuthorizationToken: EcrOperation = {
  action: 'ecr:GetAuthorizationToken',
  repository: () => null,
  handler: async ({ input, principal, runtime, endpoint }) => {
    const ids = input.registryIds;
    if (ids !== undefined && ids !== null) {
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > 10) throw invalidParameter('registryIds', 'must have length between 1 and 10');
      for (const id of ids) {
        if (id !== runtime.registryId) throw new AwsError('InvalidParameterException', `The registry id '${String(id)}' is not this registry`);
      }
    }
    const now = Date.now();
    let expiresAt = now + LOGIN_TOKEN_TTL_MS;
    // A token from temporary credentials lives no longer than they do.
    if (principal.kind === 'role') {
      const resolved = await runtime.iam.control.resolveKey(principal.accessKeyId);
      if (resolved?.expiresAt !== undefined) expiresAt = Math.min(expiresAt, resolved.expiresAt);
    }
    const token = runtime.iam.tokens.issue(principal.accessKeyId, expiresAt);
    return {
      authorizationData: [
        {
          authorizationToken: Buffer.from(`AWS:${token}`).toString('base64'),
          expiresAt: expiresAt / 1000,
          proxyEndpoint: endpoint,
        },
      ],
    };
  },
};
