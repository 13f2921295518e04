// ECR login tokens: what `aws ecr get-login-password` prints and clients send as Basic "AWS:<token>".
// A token is a MAC'd claim {access key, expiry}; it names the key it was issued through, so it dies
// with that key (deleted, deactivated, or a role session that expired), and it cannot be forged
// without the master key.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'wharf1';
export const LOGIN_TOKEN_TTL_MS = 12 * 3_600_000;

export interface LoginClaim {
  accessKeyId: string;
  expiresAt: number;
}

export class LoginTokens {
  constructor(private readonly key: Buffer) {}

  issue(accessKeyId: string, expiresAt: number): string {
    const payload = Buffer.from(JSON.stringify({ k: accessKeyId, e: expiresAt, n: randomBytes(8).toString('hex') })).toString('base64url');
    return `${PREFIX}.${payload}.${this.mac(payload)}`;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(`${PREFIX}.${payload}`).digest('base64url');
  }

  /** The claim of a well-formed, authentic token (expiry is the caller's to check), else null. */
  read(token: string): LoginClaim | null {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== PREFIX) return null;
    const [, payload, mac] = parts as [string, string, string];
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const claim = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { k?: unknown; e?: unknown };
      if (typeof claim.k !== 'string' || typeof claim.e !== 'number') return null;
      return { accessKeyId: claim.k, expiresAt: claim.e };
    } catch {
      return null;
    }
  }
}
