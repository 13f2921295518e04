// Every ECR operation Wharf answers, as one table: name -> IAM action, resource, handler.
import { getAuthorizationToken } from './auth-operations.js';
import type { EcrOperation } from './operation.js';
import {
  deleteRegistryPolicy,
  deleteRepositoryPolicy,
  getRegistryPolicy,
  getRepositoryPolicy,
  putRegistryPolicy,
  setRepositoryPolicy,
} from './policy-operations.js';

export const ECR_OPERATIONS: Readonly<Record<string, EcrOperation>> = {
  GetAuthorizationToken: getAuthorizationToken,
  SetRepositoryPolicy: setRepositoryPolicy,
  GetRepositoryPolicy: getRepositoryPolicy,
  DeleteRepositoryPolicy: deleteRepositoryPolicy,
  PutRegistryPolicy: putRegistryPolicy,
  GetRegistryPolicy: getRegistryPolicy,
  DeleteRegistryPolicy: deleteRegistryPolicy,
};
