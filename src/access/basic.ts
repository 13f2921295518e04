// Until IAM policies land, a registry with authentication on admits the holders of active access
// keys, presented as HTTP Basic credentials, to everything. Anonymous mode admits everyone and is
// only ever on when the operator asked for it.
import type { AccessKeyStore } from './keys.js';
import type { AccessControl, Principal } from './principal.js';

export function parseBasic(authorization: string | undefined): { user: string; password: string } | null {
  if (!authorization) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class AccessKeyBasicAuth implements AccessControl {
  readonly realm = 'wharf';
  constructor(private readonly keys: AccessKeyStore) {}

  async authenticate(authorization: string | undefined): Promise<Principal | null> {
    const credentials = parseBasic(authorization);
    if (!credentials || !/^AKIA[A-Z2-7]{16}$/.test(credentials.user)) return null;
    const userName = await this.keys.verify(credentials.user, credentials.password);
    return userName ? { kind: 'user', userName, accessKeyId: credentials.user } : null;
  }

  async authorize(principal: Principal): Promise<boolean> {
    return principal.kind === 'user';
  }
}

export class AnonymousAccess implements AccessControl {
  readonly realm = 'wharf';
  async authenticate(): Promise<Principal> {
    return { kind: 'anonymous' };
  }
  async authorize(): Promise<boolean> {
    return true;
  }
}
