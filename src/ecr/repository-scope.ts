// How repository-scoped operations name their repository, and report it missing, the ECR way.
import { AwsError } from '../aws/errors.js';
import { RegistryError } from '../registry/index.js';
import type { EcrCall, EcrInput } from './operation.js';
import { checkRegistryId, repositoryName } from './validation.js';

/** The repository an operation's permission applies to (validated later by the handler). */
export const byRepositoryName = (input: EcrInput): string | null => (typeof input.repositoryName === 'string' ? input.repositoryName : null);

export function repositoryNotFound(call: EcrCall, name: string): AwsError {
  return new AwsError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${call.runtime.registryId}'`);
}

/** Runs domain work on a repository, reporting a missing (or concurrently deleted) one as ECR words it. */
export async function inRepository<T>(call: EcrCall, name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RegistryError && error.code === 'NAME_UNKNOWN') throw repositoryNotFound(call, name);
    throw error;
  }
}

/** Validates registryId and repositoryName and checks the repository exists. */
export async function existingRepository(call: EcrCall): Promise<string> {
  checkRegistryId(call.input, call.runtime.registryId);
  const name = repositoryName(call.input);
  if (!(await call.runtime.registry.repositories.exists(name))) throw repositoryNotFound(call, name);
  return name;
}
