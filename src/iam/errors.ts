// IAM/STS error codes with the HTTP status AWS uses. The ECR front door maps the few that reach it.
export type IamErrorCode =
  | 'NoSuchEntity'
  | 'EntityAlreadyExists'
  | 'LimitExceeded'
  | 'MalformedPolicyDocument'
  | 'ValidationError'
  | 'DeleteConflict'
  | 'AccessDenied'
  | 'InvalidAction'
  | 'ExpiredToken';

const STATUS: Record<IamErrorCode, number> = {
  NoSuchEntity: 404,
  EntityAlreadyExists: 409,
  LimitExceeded: 409,
  MalformedPolicyDocument: 400,
  ValidationError: 400,
  DeleteConflict: 409,
  AccessDenied: 403,
  InvalidAction: 400,
  ExpiredToken: 400,
};

export class IamError extends Error {
  readonly status: number;
  constructor(
    readonly code: IamErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'IamError';
    this.status = STATUS[code];
  }
}
