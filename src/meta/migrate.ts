// Versioned migrations, applied in order at start. Kysely's migrator records them in its own table
// and takes a lock, so several nodes starting at once apply each migration exactly once.
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Dialect } from './dialect.js';
import * as initial from './migrations/0001_initial.js';
import * as identity from './migrations/0002_identity.js';
import * as ecr from './migrations/0003_ecr.js';
import * as changeNotifications from './migrations/0004_change_notifications.js';
import * as jobs from './migrations/0005_jobs.js';
import * as dataKeys from './migrations/0006_data_keys.js';
import * as storageScopes from './migrations/0007_storage_scopes.js';
import * as lifecycle from './migrations/0008_lifecycle.js';
import * as storageAccounting from './migrations/0009_storage_accounting.js';
import * as vulnerabilities from './migrations/0010_vulnerabilities.js';
import * as imageScans from './migrations/0011_image_scans.js';

interface VersionedMigration {
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

const MIGRATIONS: Record<string, VersionedMigration> = {
  '0001_initial': initial,
  '0002_identity': identity,
  '0003_ecr': ecr,
  '0004_change_notifications': changeNotifications,
  '0005_jobs': jobs,
  '0006_data_keys': dataKeys,
  '0007_storage_scopes': storageScopes,
  '0008_lifecycle': lifecycle,
  '0009_storage_accounting': storageAccounting,
  '0010_vulnerabilities': vulnerabilities,
  '0011_image_scans': imageScans,
};

class StaticProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(
      Object.entries(MIGRATIONS).map(([name, m]) => [name, { up: (db: Kysely<unknown>) => m.up(db, this.dialect) }]),
    );
  }
}

export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
