// Temporary credentials from sts:AssumeRole: an ASIA key, a secret and a session token, valid until
// their expiry and refused after it. Kept in the database so every node can verify them.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../meta/index.js';
import { newId, newSecret } from './ids.js';
import type { MasterKey } from './keys.js';

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface SessionRecord {
  accessKeyId: string;
  roleName: string;
  sessionName: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
}

export class RoleSessions {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly master: MasterKey,
    private readonly now: () => number = Date.now,
  ) {}

  async create(roleName: string, sessionName: string, durationSeconds: number): Promise<SessionCredentials> {
    const credentials: SessionCredentials = {
      accessKeyId: newId('ASIA'),
      secretAccessKey: newSecret(),
      sessionToken: 'IQoJwharf' + randomBytes(96).toString('base64'),
      expiration: new Date(this.now() + durationSeconds * 1000),
    };
    await this.db
      .insertInto('role_sessions')
      .values({
        access_key_id: credentials.accessKeyId,
        role_name: roleName,
        session_name: sessionName,
        secret_sealed: this.master.seal(credentials.secretAccessKey),
        session_token: credentials.sessionToken,
        expires_at: credentials.expiration.getTime(),
        created_at: this.now(),
      })
      .execute();
    return credentials;
  }

  /** The session behind an ASIA key, expired or not (callers report expiry distinctly). */
  async find(accessKeyId: string): Promise<SessionRecord | null> {
    const row = await this.db.selectFrom('role_sessions').selectAll().where('access_key_id', '=', accessKeyId).executeTakeFirst();
    if (!row) return null;
    return {
      accessKeyId: row.access_key_id,
      roleName: row.role_name,
      sessionName: row.session_name,
      secretAccessKey: this.master.unseal(row.secret_sealed),
      sessionToken: row.session_token,
      expiresAt: Number(row.expires_at),
    };
  }

  isExpired(session: SessionRecord): boolean {
    return session.expiresAt <= this.now();
  }

  static tokensEqual(a: string, b: string): boolean {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  }

  /** Drops sessions that expired more than a day ago (kept that long to say "expired", not "unknown"). */
  async sweep(): Promise<number> {
    const result = await this.db.deleteFrom('role_sessions').where('expires_at', '<', this.now() - 86_400_000).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
