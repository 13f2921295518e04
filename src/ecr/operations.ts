// Every ECR operation Wharf answers, as one table: name -> IAM action, resource, handler.
import { ACCOUNT_OPERATIONS } from './account-operations.js';
import { getAuthorizationToken } from './auth-operations.js';
import { IMAGE_AND_LAYER_OPERATIONS } from './layer-operations.js';
import { LIFECYCLE_OPERATIONS } from './lifecycle-operations.js';
import type { EcrOperation } from './operation.js';
import {
  deleteRegistryPolicy,
  deleteRepositoryPolicy,
  getRegistryPolicy,
  getRepositoryPolicy,
  putRegistryPolicy,
  setRepositoryPolicy,
} from './policy-operations.js';
import { REPOSITORY_OPERATIONS } from './repository-operations.js';
import { SCAN_OPERATIONS } from './scan-operations.js';
import { TEMPLATE_OPERATIONS } from './template-operations.js';

export const ECR_OPERATIONS: Readonly<Record<string, EcrOperation>> = {
  GetAuthorizationToken: getAuthorizationToken,
  SetRepositoryPolicy: setRepositoryPolicy,
  GetRepositoryPolicy: getRepositoryPolicy,
  DeleteRepositoryPolicy: deleteRepositoryPolicy,
  PutRegistryPolicy: putRegistryPolicy,
  GetRegistryPolicy: getRegistryPolicy,
  DeleteRegistryPolicy: deleteRegistryPolicy,
  ...REPOSITORY_OPERATIONS,
  ...TEMPLATE_OPERATIONS,
  ...ACCOUNT_OPERATIONS,
  ...IMAGE_AND_LAYER_OPERATIONS,
  ...LIFECYCLE_OPERATIONS,
  ...SCAN_OPERATIONS,
};
