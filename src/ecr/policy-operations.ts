// Repository and registry policies: stored as given (after validation), evaluated by the IAM engine.
import { AwsError } from '../aws/errors.js';
import { parsePolicy, PolicyValidationError, MAX_POLICY_LENGTH } from '../iam/policy/index.js';
import { REGISTRY_POLICY_KEY } from '../iam/index.js';
import type { EcrCall, EcrOperation } from './operation.js';
import { byRepositoryName, inRepository } from './repository-scope.js';
import { checkRegistryId, optionalBoolean, repositoryName, requiredString } from './validation.js';

function validPolicyText(call: EcrCall, what: 'repository' | 'registry'): string {
  const text = requiredString(call.input, 'policyText', 0, MAX_POLICY_LENGTH);
  try {
    parsePolicy(text, 'resource');
  } catch (error) {
    if (error instanceof PolicyValidationError) {
      throw new AwsError('InvalidParameterException', `Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid ${what} policy provided': ${error.message}`);
    }
    throw error;
  }
  return text;
}

function existingPolicy(call: EcrCall, name: string): Promise<string | null> {
  return inRepository(call, name, () => call.runtime.registry.repositories.policy(name));
}

/** The named repository and its policy, which must be set (Get/DeleteRepositoryPolicy). */
async function requiredPolicy(call: EcrCall): Promise<{ name: string; text: string }> {
  checkRegistryId(call.input, call.runtime.registryId);
  const name = repositoryName(call.input);
  const text = await existingPolicy(call, name);
  if (text === null) {
    throw new AwsError('RepositoryPolicyNotFoundException', `Repository policy does not exist for the repository with name '${name}' in the registry with id '${call.runtime.registryId}'`);
  }
  return { name, text };
}

export const setRepositoryPolicy: EcrOperation = {
  changesAccess: true,
  action: 'ecr:SetRepositoryPolicy',
  repository: byRepositoryName,
  handler: async (call) => {
    checkRegistryId(call.input, call.runtime.registryId);
    const name = repositoryName(call.input);
    const text = validPolicyText(call, 'repository');
    const force = optionalBoolean(call.input, 'force') ?? false;
    await existingPolicy(call, name);
    // Lock-out protection, as ECR: refuse a policy that would stop the caller from changing it again.
    if (!force && !(await call.runtime.iam.control.wouldAllow(call.principal, 'ecr:SetRepositoryPolicy', name, call.info, { repositoryPolicy: text }))) {
      throw new AwsError(
        'InvalidParameterException',
        "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'The repository policy would prevent the caller from making future SetRepositoryPolicy requests; pass force to set it anyway'",
      );
    }
    await call.runtime.registry.repositories.setPolicy(name, text);
    return { registryId: call.runtime.registryId, repositoryName: name, policyText: text };
  },
};

export const getRepositoryPolicy: EcrOperation = {
  action: 'ecr:GetRepositoryPolicy',
  repository: byRepositoryName,
  handler: async (call) => {
    const { name, text } = await requiredPolicy(call);
    return { registryId: call.runtime.registryId, repositoryName: name, policyText: text };
  },
};

export const deleteRepositoryPolicy: EcrOperation = {
  changesAccess: true,
  action: 'ecr:DeleteRepositoryPolicy',
  repository: byRepositoryName,
  handler: async (call) => {
    const { name, text } = await requiredPolicy(call);
    await call.runtime.registry.repositories.setPolicy(name, null);
    return { registryId: call.runtime.registryId, repositoryName: name, policyText: text };
  },
};

export const putRegistryPolicy: EcrOperation = {
  changesAccess: true,
  action: 'ecr:PutRegistryPolicy',
  repository: () => null,
  handler: async (call) => {
    const text = validPolicyText(call, 'registry');
    await call.runtime.registry.repositories.setSetting(REGISTRY_POLICY_KEY, text);
    return { registryId: call.runtime.registryId, policyText: text };
  },
};

export const getRegistryPolicy: EcrOperation = {
  action: 'ecr:GetRegistryPolicy',
  repository: () => null,
  handler: async (call) => {
    const text = await call.runtime.registry.repositories.setting(REGISTRY_POLICY_KEY);
    if (text === null) throw new AwsError('RegistryPolicyNotFoundException', `Registry policy does not exist in the registry with id '${call.runtime.registryId}'`);
    return { registryId: call.runtime.registryId, policyText: text };
  },
};

export const deleteRegistryPolicy: EcrOperation = {
  changesAccess: true,
  action: 'ecr:DeleteRegistryPolicy',
  repository: () => null,
  handler: async (call) => {
    const text = await call.runtime.registry.repositories.setting(REGISTRY_POLICY_KEY);
    if (text === null) throw new AwsError('RegistryPolicyNotFoundException', `Registry policy does not exist in the registry with id '${call.runtime.registryId}'`);
    await call.runtime.registry.repositories.setSetting(REGISTRY_POLICY_KEY, null);
    return { registryId: call.runtime.registryId, policyText: text };
  },
};

