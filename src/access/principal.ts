/** Who is asking. Users and role sessions come from the IAM module; anonymous is everyone else. */
export type Principal =
  | { kind: 'anonymous'; arn: '*' }
  | { kind: 'user'; arn: string; userName: string; userId: string; accessKeyId: string }
  | { kind: 'role'; arn: string; roleArn: string; roleName: string; roleId: string; sessionName: string; accessKeyId: string };

/** Facts about the request that policies may test (aws:SourceIp, aws:SecureTransport, ...). */
export interface RequestInfo {
  sourceIp: string;
  secureTransport: boolean;
  requestId: string;
}

/** The ecr:* actions the /v2/ routes need; the ECR API adds the rest through its own table. */
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

export type AuthenticationResult =
  | { ok: true; principal: Principal; /** Epoch ms after which the credential must be checked again. */ validUntil?: number }
  | { ok: false; reason: 'invalid' | 'expired' | 'throttled'; message: string };

/**
 * The seam every front door calls: who is asking, and may they do this to that repository.
 * `authenticate(undefined)` yields the anonymous principal; policies decide what it may do.
 */
export interface AccessControl {
  authenticateBasic(authorization: string | undefined, info: RequestInfo): Promise<AuthenticationResult>;
  /** `repository` null means the registry as a whole (resource `*`). */
  authorize(principal: Principal, action: string, repository: string | null, info: RequestInfo): Promise<boolean>;
  /** Realm for the `WWW-Authenticate: Basic` challenge. */
  readonly realm: string;
  /** True only for `--anonymous`: callers without credentials pass the version check too. */
  readonly admitsAnonymous: boolean;
}
