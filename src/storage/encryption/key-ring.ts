// Master keys (KEKs): they wrap the per-blob data keys and never touch blob bytes. One JSON shape,
//
//   {"keys": {"aws/ecr": ["<base64 of 32 bytes: version 1>", "<version 2>", ...], "<name>": [...]}}
//
// read from the environment variable WHARF_ENCRYPTION_KEYS when it is set (it wins, and the ring is then
// read-only: whoever set it owns it), else from a file (mode 0600) created on first use with one
// random key named `aws/ecr`. Never from the metadata database: a stolen database dump alone must
// not open the blobs.
//
// Versions only ever grow. wrap() uses a key's newest version and unwrap() any version, so rotating
// a key keeps every data key readable until it is re-wrapped; losing a version loses the blobs it
// wraps, which is why every change to the file is written to a temporary file, synced and renamed.
import { createCipheriv, createDecipheriv, randomBytes, randomUUID, createHmac } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { syncDirectory } from '../filesystem.js';

export const MASTER_KEYS_ENV = 'WHARF_ENCRYPTION_KEYS';
export const DEFAULT_MASTER_KEY = 'aws/ecr';
/** The characters and length a KMS alias or key id may have, which is what key names stand in for. */
const NAME_RE = /^[A-Za-z0-9:/_.+=@-]{1,256}$/;
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const WRAPPED_BYTES = NONCE_BYTES + KEY_BYTES + TAG_BYTES;
/** Standard base64 of exactly 32 bytes. */
const KEY_BASE64_RE = /^[A-Za-z0-9+/]{43}=$/;
const LOCK_WAIT_MS = 10_000;

/** A data key as stored: sealed under version `version` of master key `keyName`. */
export interface WrappedKey {
  keyName: string;
  version: number;
  wrapped: Buffer;
}

/** Bad key material or a refused change; the message never contains key bytes. */
export class KeyRingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRingError';
  }
}

export class UnknownMasterKey extends KeyRingError {
  constructor(
    readonly keyName: string,
    readonly version?: number,
  ) {
    super(version === undefined ? `no master key named ${JSON.stringify(keyName)}` : `master key ${JSON.stringify(keyName)} has no version ${version}`);
    this.name = 'UnknownMasterKey';
  }
}

type Keys = Map<string, Buffer[]>;

export interface KeyRingOptions {
  /** The key file, created when absent. */
  path: string;
  /** Where WHARF_ENCRYPTION_KEYS is looked up; process.env unless given. */
  env?: Record<string, string | undefined>;
}

export class KeyRing {
  private constructor(
    private keys: Keys,
    /** The file the ring was read from and is saved to; null when it came from the environment. */
    private readonly path: string | null,
  ) {}

  static async open(options: KeyRingOptions): Promise<KeyRing> {
    const fromEnv = (options.env ?? process.env)[MASTER_KEYS_ENV];
    if (fromEnv !== undefined && fromEnv !== '') return new KeyRing(parseKeys(fromEnv, `$${MASTER_KEYS_ENV}`), null);
    return new KeyRing(await loadOrCreate(options.path), options.path);
  }

  has(name: string): boolean {
    return this.keys.has(name);
  }

  names(): string[] {
    return [...this.keys.keys()].sort();
  }

  newestVersion(name: string): number {
    return this.versions(name).length;
  }

  private versions(name: string): Buffer[] {
    const versions = this.keys.get(name);
    if (!versions) throw new UnknownMasterKey(name);
    return versions;
  }

  /**
   * A value that identifies a key version without revealing it, so nodes can check that they hold
   * the same keys (a node with different keys could not read what the others wrote).
   */
  checkValue(name: string, version: number): string {
    const key = this.versions(name)[version - 1];
    if (!key) throw new UnknownMasterKey(name, version);
    return createHmac('sha256', key).update('wharf:key-check-v1').digest('base64').slice(0, 24);
  }

  /** Seals a data key under the newest version of `keyName`. */
  wrap(keyName: string, dek: Buffer): WrappedKey {
    if (dek.length !== KEY_BYTES) throw new KeyRingError(`a data key has ${KEY_BYTES} bytes, not ${dek.length}`);
    const versions = this.versions(keyName);
    const version = versions.length;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', versions[version - 1]!, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(wrapAad(keyName, version));
    const sealed = Buffer.concat([nonce, cipher.update(dek), cipher.final(), cipher.getAuthTag()]);
    return { keyName, version, wrapped: sealed };
  }

  /** The data key inside `key`; UnknownMasterKey when this ring lacks its key or version. */
  unwrap(key: WrappedKey): Buffer {
    const kek = this.versions(key.keyName)[key.version - 1];
    if (!Number.isSafeInteger(key.version) || !kek) throw new UnknownMasterKey(key.keyName, key.version);
    if (key.wrapped.length !== WRAPPED_BYTES) throw new KeyRingError(`a wrapped data key has ${WRAPPED_BYTES} bytes, not ${key.wrapped.length}`);
    const decipher = createDecipheriv('aes-256-gcm', kek, key.wrapped.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(wrapAad(key.keyName, key.version));
    decipher.setAuthTag(key.wrapped.subarray(NONCE_BYTES + KEY_BYTES));
    const dek = decipher.update(key.wrapped.subarray(NONCE_BYTES, NONCE_BYTES + KEY_BYTES));
    try {
      decipher.final();
    } catch {
      throw new KeyRingError(`a data key failed authentication under master key ${JSON.stringify(key.keyName)} version ${key.version}`);
    }
    return dek;
  }

  /** Re-reads the file, to pick up a key or version another process added. */
  async reload(): Promise<void> {
    if (this.path) this.keys = parseKeys(await readFile(this.path, 'utf8'), this.path);
  }

  /** Adds a master key with one random version. */
  async create(name: string): Promise<void> {
    checkName(name, 'a new key');
    await this.change((keys) => {
      if (keys.has(name)) throw new KeyRingError(`a master key named ${JSON.stringify(name)} exists already`);
      keys.set(name, [randomBytes(KEY_BYTES)]);
    });
  }

  /** Appends a random version to `name`, which wrap() uses from now on; returns its number. */
  async rotate(name: string): Promise<number> {
    await this.change((keys) => {
      const versions = keys.get(name);
      if (!versions) throw new UnknownMasterKey(name);
      versions.push(randomBytes(KEY_BYTES));
    });
    return this.newestVersion(name);
  }

  /**
   * Applies `edit` to the file's current content (not this process's copy, which another process
   * may have outdated), under a lock file so two processes changing keys cannot lose a version.
   */
  private async change(edit: (keys: Keys) => void): Promise<void> {
    const path = this.path;
    if (!path) throw new KeyRingError(`master keys come from $${MASTER_KEYS_ENV}; change them there`);
    await withLock(`${path}.lock`, async () => {
      const keys = parseKeys(await readFile(path, 'utf8'), path);
      edit(keys);
      await publish(path, serialize(keys), 'replace');
      this.keys = keys;
    });
  }
}

/** Binds a wrapped key to its master key and version, so a record cannot be relabelled. */
function wrapAad(keyName: string, version: number): Buffer {
  return Buffer.from(`wharf data key\0${keyName}\0${version}`, 'utf8');
}

function checkName(name: string, where: string): void {
  if (!NAME_RE.test(name)) {
    throw new KeyRingError(`${where}: key name ${JSON.stringify(name.slice(0, 300))} must be 1-256 characters of A-Z a-z 0-9 : / _ . + = @ -`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates a key document; `source` names it in errors, which never quote key material. */
function parseKeys(text: string, source: string): Keys {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new KeyRingError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  const shape = '{"keys": {"<name>": ["<base64 of 32 bytes>", ...]}}';
  if (!isRecord(document) || !isRecord(document.keys)) throw new KeyRingError(`${source}: expected ${shape}`);
  const extra = Object.keys(document).filter((k) => k !== 'keys');
  if (extra.length > 0) throw new KeyRingError(`${source}: unexpected field ${JSON.stringify(extra[0])}; expected ${shape}`);
  const keys: Keys = new Map();
  for (const [name, versions] of Object.entries(document.keys)) {
    checkName(name, source);
    if (!Array.isArray(versions) || versions.length === 0) {
      throw new KeyRingError(`${source}: key ${JSON.stringify(name)} must be a non-empty list of versions`);
    }
    keys.set(
      name,
      versions.map((encoded: unknown, i) => {
        const bytes = typeof encoded === 'string' && KEY_BASE64_RE.test(encoded) ? Buffer.from(encoded, 'base64') : null;
        // The round trip rejects non-canonical padding bits, so one key has one spelling.
        if (!bytes || bytes.length !== KEY_BYTES || bytes.toString('base64') !== encoded) {
          throw new KeyRingError(`${source}: key ${JSON.stringify(name)} version ${i + 1} must be standard base64 of exactly ${KEY_BYTES} bytes`);
        }
        return bytes;
      }),
    );
  }
  if (keys.size === 0) throw new KeyRingError(`${source}: defines no master key`);
  return keys;
}

function serialize(keys: Keys): string {
  const document = { keys: Object.fromEntries([...keys].map(([name, versions]) => [name, versions.map((v) => v.toString('base64'))])) };
  return JSON.stringify(document, null, 2) + '\n';
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException)?.code;
}

async function loadOrCreate(path: string): Promise<Keys> {
  try {
    return parseKeys(await readFile(path, 'utf8'), path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    await publish(path, serialize(new Map([[DEFAULT_MASTER_KEY, [randomBytes(KEY_BYTES)]]])), 'exclusive');
  } catch (error) {
    // Another process created it first: everyone uses that one.
    if (errorCode(error) !== 'EEXIST') throw error;
  }
  return parseKeys(await readFile(path, 'utf8'), path);
}

/**
 * Writes `text` to a fresh temporary file (flag 'wx', mode 0600), syncs it, then puts it at `path`
 * in one step: rename replaces, link never does (EEXIST), so concurrent creators cannot clobber
 * each other and no reader ever sees a half-written key file.
 */
async function publish(path: string, text: string, mode: 'exclusive' | 'replace'): Promise<void> {
  const temp = `${path}.${randomUUID()}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (mode === 'exclusive') await link(temp, path);
    else await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
  await syncDirectory(dirname(path));
}

/**
 * A lock file taken with 'wx'. Key changes are rare and quick, so a lock held for long is a crash
 * left behind; it is not broken automatically (two breakers could both win) but named in the error.
 */
async function withLock<T>(lock: string, body: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await (await open(lock, 'wx', 0o600)).close();
      break;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
      if (Date.now() > deadline) {
        const since = await stat(lock).then((s) => s.mtime.toISOString(), () => 'a moment ago');
        throw new KeyRingError(`${lock} has been held since ${since}; if no other wharf process is changing master keys, remove it`);
      }
      await delay(25);
    }
  }
  try {
    return await body();
  } finally {
    await rm(lock, { force: true });
  }
}
