// loadConfig: defaults < file < environment < flags, durations, and readable errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONFIG_KEYS, configFromEnv, envName, loadConfig, parseDuration } from '../../src/config/index.js';

let dir: string;
let counter = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wharf-config-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configFile(text: string, extension = 'yaml'): Promise<string> {
  const path = join(dir, `config-${++counter}.${extension}`);
  await writeFile(path, text);
  return path;
}

function loadError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof Error);
    return error.message;
  }
  assert.fail('expected loadConfig to throw');
}

describe('parseDuration', () => {
  const VALID: [string | number, number][] = [
    ['0', 0],
    ['1500', 1500],
    ['1500ms', 1500],
    ['2s', 2000],
    ['1.5s', 1500],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['0.5ms', 1],
    ['  30s  ', 30_000],
    [90, 90],
    [0, 0],
  ];
  for (const [input, expected] of VALID) {
    it(`${JSON.stringify(input)} → ${expected} ms`, () => {
      assert.equal(parseDuration(input), expected);
    });
  }

  const INVALID = ['', ' ', 's', '10x', '10 s', '2S', '1h30m', '-5s', '+5s', '1.s', '.5s', '1e3', 'abc', '5sec', '5mins', 'ms'];
  for (const input of INVALID) {
    it(`refuses ${JSON.stringify(input)} with a readable message`, () => {
      assert.throws(() => parseDuration(input), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /invalid duration/);
        assert.match(error.message, /30s|15m|24h/, 'the message shows an example');
        return true;
      });
    });
  }
});

describe('envName', () => {
  const CASES: [string, string][] = [
    ['listen', 'WHARF_LISTEN'],
    ['dataDir', 'WHARF_DATA_DIR'],
    ['uploadTtl', 'WHARF_UPLOAD_TTL'],
    ['maxManifestBytes', 'WHARF_MAX_MANIFEST_BYTES'],
    ['tlsSelfSigned', 'WHARF_TLS_SELF_SIGNED'],
    ['createOnPush', 'WHARF_CREATE_ON_PUSH'],
  ];
  for (const [key, expected] of CASES) {
    it(`${key} → ${expected}`, () => assert.equal(envName(key), expected));
  }

  it('every setting has an environment variable that configFromEnv reads', () => {
    for (const key of CONFIG_KEYS) {
      assert.deepEqual(configFromEnv({ [envName(key)]: 'x' }), { [key]: 'x' });
    }
  });

  it('configFromEnv ignores empty and foreign variables', () => {
    assert.deepEqual(configFromEnv({ WHARF_LISTEN: '', PATH: '/bin', WHARF_COLOUR: 'blue', wharf_listen: 'x:1' }), {});
  });
});

describe('loadConfig defaults', () => {
  it('gives the documented defaults with no file, environment or flags', () => {
    const config = loadConfig({ env: {} });
    assert.deepEqual(config, {
      listen: '127.0.0.1:5000',
      dataDir: resolve('./data'),
      region: 'us-east-1',
      anonymous: false,
      tlsSelfSigned: false,
      uploadTtl: 24 * 3_600_000,
      fsync: true,
      maxManifestBytes: 4 * 1024 * 1024,
      manifestCacheEntries: 10_000,
      createOnPush: true,
      logLevel: 'info',
      workers: 1,
      shutdownTimeout: 30_000,
      jobLease: 60_000,
      lifecycleInterval: 86_400_000,
      gcInterval: 86_400_000,
      gcGrace: 3_600_000,
      scanJobs: true,
      scanMaxDecompressedBytes: 8 * 1024 ** 3,
      scanMaxEntries: 2_000_000,
      scanMaxFileBytes: 256 * 1024 ** 2,
      scanSbomReferrers: true,
      stsMinSessionSeconds: 900,
      authFailureLimit: 30,
      trustedProxies: [],
      storage: 'filesystem',
      s3Prefix: '',
      s3Sse: 'none',
      encryptAtRest: false,
      blobRedirect: false,
      blobRedirectTtl: 300_000,
    });
  });

  it('an empty file keeps the defaults', async () => {
    const config = loadConfig({ file: await configFile(''), env: {} });
    assert.equal(config.listen, '127.0.0.1:5000');
  });

  it('makes dataDir absolute', () => {
    assert.equal(loadConfig({ env: {}, flags: { dataDir: 'some/dir' } }).dataDir, resolve('some/dir'));
    assert.equal(loadConfig({ env: {}, flags: { dataDir: '/abs/dir' } }).dataDir, '/abs/dir');
  });
});

describe('loadConfig precedence: file < env < flags', () => {
  it('reads every kind of value from a YAML file', async () => {
    const file = await configFile(
      [
        'listen: 0.0.0.0:6000',
        'dataDir: /srv/wharf',
        'uploadTtl: 15m',
        'shutdownTimeout: 5s',
        'fsync: false',
        'anonymous: true',
        'maxManifestBytes: 1024',
        'logLevel: debug',
        'region: eu-west-2',
        'registryId: "123456789012"',
        'database: postgres://db/wharf',
        'workers: 4',
      ].join('\n'),
    );
    const config = loadConfig({ file, env: {} });
    assert.equal(config.listen, '0.0.0.0:6000');
    assert.equal(config.dataDir, '/srv/wharf');
    assert.equal(config.uploadTtl, 900_000);
    assert.equal(config.shutdownTimeout, 5000);
    assert.equal(config.fsync, false);
    assert.equal(config.anonymous, true);
    assert.equal(config.maxManifestBytes, 1024);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.region, 'eu-west-2');
    assert.equal(config.registryId, '123456789012');
    assert.equal(config.database, 'postgres://db/wharf');
    assert.equal(config.workers, 4);
  });

  it('reads a JSON file', async () => {
    const file = await configFile(JSON.stringify({ listen: '[::1]:7000', uploadTtl: 60_000, createOnPush: false }), 'json');
    const config = loadConfig({ file, env: {} });
    assert.equal(config.listen, '[::1]:7000');
    assert.equal(config.uploadTtl, 60_000);
    assert.equal(config.createOnPush, false);
  });

  interface Case {
    key: string;
    file?: string;
    env?: string;
    flag?: unknown;
    expected: unknown;
  }
  const CASES: Case[] = [
    { key: 'listen', file: '1.1.1.1:1', expected: '1.1.1.1:1' },
    { key: 'listen', file: '1.1.1.1:1', env: '2.2.2.2:2', expected: '2.2.2.2:2' },
    { key: 'listen', file: '1.1.1.1:1', env: '2.2.2.2:2', flag: '3.3.3.3:3', expected: '3.3.3.3:3' },
    { key: 'listen', file: '1.1.1.1:1', flag: '3.3.3.3:3', expected: '3.3.3.3:3' },
    { key: 'listen', env: '2.2.2.2:2', flag: '3.3.3.3:3', expected: '3.3.3.3:3' },
    { key: 'listen', file: '1.1.1.1:1', env: '2.2.2.2:2', flag: undefined, expected: '2.2.2.2:2' },
    { key: 'listen', file: '1.1.1.1:1', env: '', expected: '1.1.1.1:1' },
    { key: 'fsync', file: 'true', env: 'false', expected: false },
    { key: 'fsync', file: 'true', env: '0', expected: false },
    { key: 'fsync', file: 'false', env: '1', expected: true },
    { key: 'fsync', env: 'true', flag: false, expected: false },
    { key: 'anonymous', file: 'true', env: 'false', flag: true, expected: true },
    { key: 'uploadTtl', file: '1h', expected: 3_600_000 },
    { key: 'uploadTtl', file: '1h', env: '2m', expected: 120_000 },
    { key: 'uploadTtl', file: '1h', env: '2m', flag: '3s', expected: 3000 },
    { key: 'uploadTtl', env: '1500', expected: 1500 },
    { key: 'shutdownTimeout', file: '10s', env: '1d', expected: 86_400_000 },
    { key: 'workers', file: '2', env: '3', expected: 3 },
    { key: 'workers', file: '2', env: '3', flag: '4', expected: 4 },
    { key: 'maxManifestBytes', env: '2048', expected: 2048 },
    { key: 'logLevel', file: 'warn', env: 'error', flag: 'trace', expected: 'trace' },
    { key: 'dataDir', file: '/from/file', env: '/from/env', expected: '/from/env' },
  ];
  for (const c of CASES) {
    const given = [
      c.file !== undefined ? `file ${c.file}` : '',
      c.env !== undefined ? `env ${JSON.stringify(c.env)}` : '',
      'flag' in c ? `flag ${JSON.stringify(c.flag)}` : '',
    ].filter(Boolean).join(', ');
    it(`${c.key}: ${given} → ${JSON.stringify(c.expected)}`, async () => {
      const file = c.file !== undefined ? await configFile(`${c.key}: ${c.file}\n`) : undefined;
      const env = c.env !== undefined ? { [envName(c.key)]: c.env } : {};
      const flags = 'flag' in c ? { [c.key]: c.flag } : {};
      const config = loadConfig({ ...(file ? { file } : {}), env, flags }) as unknown as Record<string, unknown>;
      assert.deepEqual(config[c.key], c.expected);
    });
  }

  it('settings from different layers combine', async () => {
    const file = await configFile('listen: 1.1.1.1:1\nworkers: 2\nlogLevel: warn\n');
    const config = loadConfig({ file, env: { WHARF_WORKERS: '3', WHARF_UPLOAD_TTL: '1m' }, flags: { logLevel: 'error' } });
    assert.equal(config.listen, '1.1.1.1:1');
    assert.equal(config.workers, 3);
    assert.equal(config.uploadTtl, 60_000);
    assert.equal(config.logLevel, 'error');
  });
});

describe('loadConfig errors', () => {
  interface Case {
    what: string;
    file?: string;
    env?: Record<string, string>;
    flags?: Record<string, unknown>;
    message: RegExp[];
  }
  const CASES: Case[] = [
    { what: 'bad duration in the file', file: 'uploadTtl: forever', message: [/uploadTtl/, /invalid duration "forever"/] },
    { what: 'bad duration in the environment', env: { WHARF_SHUTDOWN_TIMEOUT: '10 minutes' }, message: [/shutdownTimeout/, /invalid duration/] },
    { what: 'bad duration flag', flags: { uploadTtl: '1w' }, message: [/uploadTtl/, /invalid duration "1w"/] },
    { what: 'listen without a port', flags: { listen: 'localhost' }, message: [/listen/, /HOST:PORT/] },
    { what: 'listen as a number', file: 'listen: 5000', message: [/listen/] },
    { what: 'bad region', env: { WHARF_REGION: 'mars' }, message: [/region/, /us-east-1/] },
    { what: 'short registry id', env: { WHARF_REGISTRY_ID: '123' }, message: [/registryId/] },
    { what: 'unknown log level', flags: { logLevel: 'loud' }, message: [/logLevel/] },
    { what: 'non-numeric workers', env: { WHARF_WORKERS: 'many' }, message: [/workers/] },
    { what: 'negative workers in the environment', env: { WHARF_WORKERS: '-1' }, message: [/workers/] },
    { what: 'non-boolean fsync', env: { WHARF_FSYNC: 'yes' }, message: [/fsync/] },
    { what: 'boolean as a word in the file', file: 'anonymous: maybe', message: [/anonymous/] },
    { what: 'tlsCert without tlsKey', flags: { tlsCert: '/c.pem' }, message: [/tlsCert and tlsKey/] },
    { what: 'tlsKey without tlsCert', env: { WHARF_TLS_KEY: '/k.pem' }, message: [/tlsCert and tlsKey/] },
    { what: 's3 storage without a bucket', env: { WHARF_STORAGE: 's3' }, message: [/s3Bucket/] },
    { what: 'unknown storage', flags: { storage: 'ftp' }, message: [/storage/] },
    { what: 'bad bucket name', env: { WHARF_STORAGE: 's3', WHARF_S3_BUCKET: 'Bad_Bucket' }, message: [/s3Bucket/] },
    { what: 'traversal in the key prefix', file: 's3Prefix: ../x/', message: [/s3Prefix/] },
    { what: 's3 key id without secret', env: { WHARF_STORAGE: 's3', WHARF_S3_BUCKET: 'b1b', WHARF_S3_ACCESS_KEY_ID: 'K' }, message: [/s3AccessKeyId and s3SecretAccessKey/] },
    { what: 'redirects without s3', flags: { blobRedirect: true }, message: [/blobRedirect needs storage s3/] },
  ];
  for (const c of CASES) {
    it(`reports ${c.what}`, async () => {
      const file = c.file !== undefined ? await configFile(`${c.file}\n`) : undefined;
      const message = loadError(() => loadConfig({ ...(file ? { file } : {}), env: c.env ?? {}, flags: c.flags ?? {} }));
      for (const pattern of c.message) assert.match(message, pattern);
      assert.doesNotMatch(message, /\[object Object\]|undefined/);
    });
  }

  it('lists every problem at once, one per line', () => {
    const message = loadError(() => loadConfig({ env: { WHARF_REGION: 'mars', WHARF_LOG_LEVEL: 'loud' }, flags: { uploadTtl: 'x' } }));
    assert.match(message, /^invalid configuration:/);
    const lines = message.split('\n').slice(1);
    assert.equal(lines.length, 3, message);
    for (const key of ['region', 'logLevel', 'uploadTtl']) assert.ok(lines.some((l) => l.trim().startsWith(`${key}:`)), `${key} in ${message}`);
  });

  it('rejects unknown keys in the file, naming them and the file', async () => {
    const file = await configFile('listen: 1.1.1.1:1\ncolour: blue\ndata_dir: /x\n');
    const message = loadError(() => loadConfig({ file, env: {} }));
    assert.match(message, /unknown setting/);
    assert.match(message, /colour/);
    assert.match(message, /data_dir/);
    assert.ok(message.includes(file), message);
  });

  it('rejects a file that is not a mapping', async () => {
    for (const text of ['- listen: 1.1.1.1:1', '42', '"just a string"']) {
      const file = await configFile(text);
      const message = loadError(() => loadConfig({ file, env: {} }));
      assert.ok(message.includes(file), message);
    }
  });

  it('reports a missing file', () => {
    assert.throws(() => loadConfig({ file: join(dir, 'absent.yaml'), env: {} }), /ENOENT|no such file/);
  });

  const NONSENSE_NUMBERS: [string, Record<string, unknown>][] = [
    ['negative workers', { workers: -2 }],
    ['fractional workers', { workers: 1.5 }],
    ['negative maxManifestBytes', { maxManifestBytes: -1 }],
    ['negative uploadTtl', { uploadTtl: -1000 }],
    ['negative shutdownTimeout', { shutdownTimeout: -1 }],
    ['port past 65535', { listen: '0.0.0.0:99999' }],
  ];
  for (const [what, flags] of NONSENSE_NUMBERS) {
    it(`rejects ${what} given as a number in a file or flag`, async () => {
      const [[key, value]] = Object.entries(flags) as [[string, unknown]];
      assert.throws(() => loadConfig({ env: {}, flags }), new RegExp(key));
      const file = await configFile(`${key}: ${JSON.stringify(value)}\n`);
      assert.throws(() => loadConfig({ file, env: {} }), new RegExp(key));
    });
  }
});
