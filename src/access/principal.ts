export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; userName: string; accessKeyId: string };

/** The IAM action names ECR uses; every route declares the one it needs. */
export type Action =
  | 'ecr:BatchCheckLayerAvailability'
  | 'ecr:GetDownloadUrlForLayer'
  | 'ecr:BatchGetImage'
  | 'ecr:InitiateLayerUpload'
  | 'ecr:UploadLayerPart'
  | 'ecr:CompleteLayerUpload'
  | 'ecr:PutImage'
  | 'ecr:BatchDeleteImage'
  | 'ecr:ListImages'
  | 'ecr:DescribeRepositories';

/**
 * The seam every front door calls: who is asking (from the Authorization header) and may they do
 * this to that repository. The identity issue replaces the implementation with IAM policies.
 */
export interface AccessControl {
  /** Null when credentials are absent or wrong. */
  authenticate(authorization: string | undefined): Promise<Principal | null>;
  authorize(principal: Principal, action: Action, repository: string | null): Promise<boolean>;
  /** Realm for the `WWW-Authenticate: Basic` challenge. */
  readonly realm: string;
}
