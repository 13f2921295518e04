import type { AccessControl, AuthenticationResult } from './principal.js';

export function parseBasic(authorization: string | undefined): { user: string; password: string } | null {
  if (!authorization) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `--anonymous`: everyone may do everything. Only ever on when the operator asked for it. */
export class AnonymousAccess implements AccessControl {
  readonly realm = 'wharf';
  readonly admitsAnonymous = true;
  async authenticateBasic(): Promise<AuthenticationResult> {
    return { ok: true, principal: { kind: 'anonymous', arn: '*' } };
  }
  async authorize(): Promise<boolean> {
    return true;
  }
}
