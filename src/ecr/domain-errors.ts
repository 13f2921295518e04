// Domain errors as the ECR API names them. Operations throw AwsError for anything more specific.
import { AwsError } from '../aws/errors.js';
import { RegistryError, type ErrorCode } from '../registry/index.js';

const ECR_CODE: Record<ErrorCode, string> = {
  NAME_UNKNOWN: 'RepositoryNotFoundException',
  NAME_INVALID: 'InvalidParameterException',
  REPOSITORY_EXISTS: 'RepositoryAlreadyExistsException',
  REPOSITORY_NOT_EMPTY: 'RepositoryNotEmptyException',
  TAG_IMMUTABLE: 'ImageTagAlreadyExistsException',
  TAG_INVALID: 'InvalidParameterException',
  TEMPLATE_EXISTS: 'TemplateAlreadyExistsException',
  TEMPLATE_UNKNOWN: 'TemplateNotFoundException',
  MANIFEST_INVALID: 'InvalidParameterException',
  MANIFEST_BLOB_UNKNOWN: 'LayersNotFoundException',
  MANIFEST_UNKNOWN: 'ImageNotFoundException',
  DIGEST_INVALID: 'InvalidParameterException',
  BLOB_UNKNOWN: 'LayersNotFoundException',
  BLOB_UPLOAD_UNKNOWN: 'UploadNotFoundException',
  BLOB_UPLOAD_INVALID: 'InvalidLayerPartException',
  RANGE_INVALID: 'InvalidLayerPartException',
  SIZE_INVALID: 'InvalidParameterException',
  UNAUTHORIZED: 'AccessDeniedException',
  DENIED: 'AccessDeniedException',
  UNSUPPORTED: 'UnsupportedImageTypeException',
  TOO_MANY_REQUESTS: 'ThrottlingException',
  PAGINATION_NUMBER_INVALID: 'InvalidParameterException',
  KMS_KEY_UNKNOWN: 'KmsException',
  QUOTA_EXCEEDED: 'LimitExceededException',
};

export function ecrErrorFromDomain(error: RegistryError): AwsError {
  // An index whose child manifests are missing is ECR's ReferencedImagesNotFoundException.
  if (error.code === 'MANIFEST_BLOB_UNKNOWN' && /index references/.test(error.message)) {
    return new AwsError('ReferencedImagesNotFoundException', error.message);
  }
  return new AwsError(ECR_CODE[error.code], error.message);
}
