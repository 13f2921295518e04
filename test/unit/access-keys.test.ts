// MasterKey sealing (AES-256-GCM) and HTTP Basic parsing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MasterKey, parseBasic } from '../../src/iam/index.js';

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wharf-keys-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function keyFromEnv(): Promise<MasterKey> {
  return MasterKey.load(join(dir, 'unused.key'), randomBytes(32).toString('base64'));
}

/** Flips one bit of the base64 field `index` (1 = iv, 2 = tag, 3 = ciphertext) of a sealed secret. */
function flipBit(sealed: string, index: number, byte = 0): string {
  const parts = sealed.split(':');
  const bytes = Buffer.from(parts[index]!, 'base64');
  bytes[byte] = bytes[byte]! ^ 0x01;
  parts[index] = bytes.toString('base64');
  return parts.join(':');
}

describe('MasterKey', () => {
  const SECRETS: [string, string][] = [
    ['an AWS-shaped secret', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    ['an empty string', ''],
    ['one character', 'x'],
    ['unicode', 'pässwörd ☃ 秘密 🔑'],
    ['colons', 'a:b:c::'],
    ['a long secret', 'z'.repeat(10_000)],
  ];
  for (const [what, secret] of SECRETS) {
    it(`seals and unseals ${what}`, async () => {
      const key = await keyFromEnv();
      const sealed = key.seal(secret);
      assert.match(sealed, /^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]*$/);
      if (secret.length >= 8) assert.ok(!sealed.includes(secret), 'the secret is not in the sealed text');
      assert.equal(key.unseal(sealed), secret);
    });
  }

  it('seals the same secret differently each time (fresh IV)', async () => {
    const key = await keyFromEnv();
    const a = key.seal('same secret');
    const b = key.seal('same secret');
    assert.notEqual(a, b);
    assert.equal(key.unseal(a), 'same secret');
    assert.equal(key.unseal(b), 'same secret');
  });

  const TAMPERED: [string, (sealed: string) => string][] = [
    ['a flipped ciphertext bit', (s) => flipBit(s, 3)],
    ['a flipped last ciphertext bit', (s) => flipBit(s, 3, 39)],
    ['a flipped tag bit', (s) => flipBit(s, 2)],
    ['a flipped IV bit', (s) => flipBit(s, 1)],
    ['a truncated ciphertext', (s) => { const p = s.split(':'); p[3] = Buffer.from(p[3]!, 'base64').subarray(0, 20).toString('base64'); return p.join(':'); }],
    ['an extended ciphertext', (s) => { const p = s.split(':'); p[3] = Buffer.concat([Buffer.from(p[3]!, 'base64'), Buffer.from([0])]).toString('base64'); return p.join(':'); }],
    ['an empty ciphertext', (s) => { const p = s.split(':'); p[3] = ''; return p.join(':'); }],
    ['the tag of another secret', (s) => s], // replaced below with a real swap
    ['another version', (s) => s.replace(/^v1:/, 'v2:')],
    ['no version', (s) => s.replace(/^v1:/, '')],
    ['a missing tag', (s) => { const p = s.split(':'); return [p[0], p[1], '', p[3]].join(':'); }],
    ['a missing IV', (s) => { const p = s.split(':'); return [p[0], '', p[2], p[3]].join(':'); }],
    ['only the version', () => 'v1'],
    ['an empty string', () => ''],
    ['plain text', () => 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  ];
  for (const [what, tamper] of TAMPERED) {
    it(`rejects a sealed secret with ${what}`, async () => {
      const key = await keyFromEnv();
      const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
      let sealed = tamper(key.seal(secret));
      if (what === 'the tag of another secret') {
        const other = key.seal('a different secret of forty characters!!').split(':');
        const parts = key.seal(secret).split(':');
        parts[2] = other[2]!;
        sealed = parts.join(':');
      }
      assert.throws(() => key.unseal(sealed));
    });
  }

  it('rejects a tag truncated to 4 bytes', async () => {
    const key = await keyFromEnv();
    const parts = key.seal('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY').split(':');
    parts[2] = Buffer.from(parts[2]!, 'base64').subarray(0, 4).toString('base64');
    assert.throws(() => key.unseal(parts.join(':')));
  });

  it('rejects a secret sealed under another master key', async () => {
    const a = await keyFromEnv();
    const b = await keyFromEnv();
    assert.throws(() => b.unseal(a.seal('secret')));
  });

  it('the same key from the environment unseals what it sealed before', async () => {
    const env = randomBytes(32).toString('base64');
    const sealed = (await MasterKey.load(join(dir, 'unused.key'), env)).seal('persisted');
    assert.equal((await MasterKey.load(join(dir, 'unused.key'), env)).unseal(sealed), 'persisted');
  });

  const BAD_ENV: [string, string][] = [
    ['16 bytes', randomBytes(16).toString('base64')],
    ['31 bytes', randomBytes(31).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['64 bytes', randomBytes(64).toString('base64')],
    ['not base64', '!!!!'],
  ];
  for (const [what, value] of BAD_ENV) {
    it(`refuses a WHARF_MASTER_KEY of ${what}`, async () => {
      await assert.rejects(() => MasterKey.load(join(dir, 'unused.key'), value), /32 bytes/);
    });
  }

  it('creates a 0600 key file on first use and reads the same key back', async () => {
    const file = join(dir, 'master.key');
    const first = await MasterKey.load(file, undefined);
    const info = await stat(file);
    assert.equal(info.mode & 0o777, 0o600);
    assert.equal(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64').length, 32);
    const sealed = first.seal('kept across restarts');
    const second = await MasterKey.load(file, undefined);
    assert.equal(second.unseal(sealed), 'kept across restarts');
  });

  it('an empty environment value falls back to the file', async () => {
    const file = join(dir, 'fallback.key');
    const fromFile = await MasterKey.load(file, undefined);
    assert.equal((await MasterKey.load(file, '')).unseal(fromFile.seal('x')), 'x');
  });

  it('refuses a key file of the wrong length', async () => {
    const file = join(dir, 'short.key');
    await writeFile(file, randomBytes(16).toString('base64'));
    await assert.rejects(() => MasterKey.load(file, undefined), /32-byte/);
  });
});

describe('parseBasic', () => {
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  const VALID: [string, { user: string; password: string }, string][] = [
    [`Basic ${b64('AKIAEXAMPLE:secret')}`, { user: 'AKIAEXAMPLE', password: 'secret' }, 'plain'],
    [`basic ${b64('u:p')}`, { user: 'u', password: 'p' }, 'lowercase scheme'],
    [`BASIC ${b64('u:p')}`, { user: 'u', password: 'p' }, 'uppercase scheme'],
    [`Basic    ${b64('u:p')}`, { user: 'u', password: 'p' }, 'several spaces'],
    [`Basic\t${b64('u:p')}`, { user: 'u', password: 'p' }, 'tab'],
    [`Basic ${b64('u:p')}  `, { user: 'u', password: 'p' }, 'trailing spaces'],
    [`Basic ${b64('user:pa:ss:word')}`, { user: 'user', password: 'pa:ss:word' }, 'colons in the password'],
    [`Basic ${b64('user:')}`, { user: 'user', password: '' }, 'empty password'],
    [`Basic ${b64(':password')}`, { user: '', password: 'password' }, 'empty user'],
    [`Basic ${b64(':')}`, { user: '', password: '' }, 'only a colon'],
    [`Basic ${b64('üser:pässwörd')}`, { user: 'üser', password: 'pässwörd' }, 'UTF-8'],
    [`Basic ${b64('u:p').replace(/=+$/, '')}`, { user: 'u', password: 'p' }, 'without padding'],
    [`Basic ${b64('u:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY+/')}`, { user: 'u', password: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY+/' }, 'secret with + and /'],
  ];
  for (const [header, expected, why] of VALID) {
    it(`parses ${why}`, () => {
      assert.deepEqual(parseBasic(header), expected);
    });
  }

  const INVALID: [string | undefined, string][] = [
    [undefined, 'absent'],
    ['', 'empty'],
    ['Basic', 'scheme only'],
    ['Basic ', 'scheme and space'],
    [`Bearer ${b64('u:p')}`, 'other scheme'],
    [`Digest ${b64('u:p')}`, 'digest scheme'],
    [`Basic${b64('u:p')}`, 'no space after the scheme'],
    [` Basic ${b64('u:p')}`, 'leading space'],
    [`Basic ${b64('nocolon')}`, 'no colon'],
    [`Basic ${b64('')}`, 'empty credentials'],
    ['Basic dXNlcjpw!XNz', 'invalid base64 character'],
    ['Basic dXNl cjpwYXNz', 'space inside the credentials'],
    [`Basic ${Buffer.from('u:p?>').toString('base64url')}-_`, 'base64url alphabet'],
    [`Basic ${b64('u:p')} extra`, 'extra token'],
    [`Basic ${b64('u:p')}, Bearer x`, 'two credentials'],
  ];
  for (const [header, why] of INVALID) {
    it(`refuses ${why}`, () => {
      assert.equal(parseBasic(header), null);
    });
  }
});
