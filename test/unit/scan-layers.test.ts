// The layer walker (src/scan/layers): tar read the way Go's archive/tar reads it, OCI whiteouts,
// compression decided by the bytes, every cap, and the hostile layers of
// test/helpers/hostile-layers.ts, each of which must end at its cap and in bounded memory.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, gunzipSync, gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import {
  DEFAULT_SCAN_LIMITS,
  LayerScanError,
  walkLayers,
  type FileVisitor,
  type SkippedEntry,
} from '../../src/scan/layers/index.js';
import { createDecoder, decodeFailure, ZSTD_DECODER_KINDS } from '../../src/scan/layers/decompress.js';
import { entryPathComponents, entryRole, type EntryRole } from '../../src/scan/layers/entry-paths.js';
import { decodeHeaderBlock, parseNumber, parsePaxRecords } from '../../src/scan/layers/tar-header.js';
import type { LayerFile, LayerSource, ScanLimits } from '../../src/scan/types.js';
import {
  crc32AppendZeros,
  deepPathsLayer,
  escapingLayer,
  gzipBomb,
  manyTinyEntries,
  tarHeader,
  tarOf,
  truncatedGzipLayer,
  zstdHugeWindowLayer,
} from '../helpers/hostile-layers.js';

const OCI_TAR = 'application/vnd.oci.image.layer.v1.tar';
const OCI_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const OCI_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
const MiB = 1024 * 1024;

// ---- building layers --------------------------------------------------------------------------

interface Entry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device';
  content?: string;
  linkname?: string;
  mode?: number;
}

const file = (name: string, content = ''): Entry => ({ name, content });
const directory = (name: string): Entry => ({ name, type: 'directory' });
const symlink = (name: string, linkname: string): Entry => ({ name, type: 'symlink', linkname });
const hardlink = (name: string, linkname: string): Entry => ({ name, type: 'link', linkname });

/** A tar written by tar-stream (ustar, PAX headers for long names): not by the code under test. */
async function tarFrom(entries: readonly Entry[]): Promise<Buffer> {
  const archive = pack();
  for (const { content = '', ...header } of entries) archive.entry({ type: 'file', ...header }, content);
  archive.finalize();
  const parts: Buffer[] = [];
  for await (const part of archive) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

function zstd(bytes: Buffer, ...options: string[]): Buffer {
  return execFileSync('zstd', ['-q', '-c', ...options], { input: bytes, maxBuffer: 256 * MiB });
}

interface LayerOptions {
  mediaType?: string;
  /** Bytes per chunk the layer's stream hands out. */
  chunkBytes?: number;
}

function layer(bytes: Buffer, { mediaType = OCI_TAR, chunkBytes = 64 * 1024 }: LayerOptions = {}): LayerSource {
  return {
    digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    mediaType,
    open: async () => Readable.from(chunksOf(bytes, chunkBytes)),
  };
}

function* chunksOf(bytes: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

function streamedLayer(label: string, chunks: () => Iterable<Buffer>, mediaType = OCI_TAR): LayerSource {
  const digest = `sha256:${createHash('sha256').update(label).digest('hex')}`;
  return { digest, mediaType, open: async () => Readable.from(chunks()) };
}

/** Analyzes every regular file as its UTF-8 text, and records what it was offered and told. */
class RecordingVisitor implements FileVisitor<string> {
  readonly offered: LayerFile[] = [];
  readonly analyzed: string[] = [];
  readonly skips: SkippedEntry[] = [];

  constructor(private readonly wanted: (file: LayerFile) => boolean = () => true) {}

  wants(file: LayerFile): boolean {
    this.offered.push(file);
    return this.wanted(file);
  }

  analyze(file: LayerFile, content: Buffer): string {
    this.analyzed.push(file.path);
    return content.toString('utf8');
  }

  skipped(entry: SkippedEntry): void {
    this.skips.push(entry);
  }
}

async function view(
  layers: LayerSource[],
  limits?: Partial<ScanLimits>,
  visitor = new RecordingVisitor(),
): Promise<Record<string, string>> {
  return Object.fromEntries(await walkLayers(layers, visitor, limits));
}

async function viewOfTars(...tars: Entry[][]): Promise<Record<string, string>> {
  return view(await Promise.all(tars.map(async (entries) => layer(await tarFrom(entries)))));
}

async function rejectsWithReason(walk: Promise<unknown>, reason: RegExp): Promise<LayerScanError> {
  const error = await walk.then(
    () => assert.fail('the walk should have failed'),
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof LayerScanError, `expected a LayerScanError, got ${String(error)}`);
  assert.match(error.reason, reason);
  return error;
}

/** Runs `work` while sampling the resident set; returns its result and the peak growth. */
async function measured<R>(work: () => Promise<R>): Promise<{ result: R; rssGrowthMiB: number }> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  try {
    const result = await work();
    return { result, rssGrowthMiB: (peak - baseline) / MiB };
  } finally {
    clearInterval(sampler);
  }
}

// ---- pure rules -------------------------------------------------------------------------------

describe('entry paths', () => {
  const PATHS: [string, string[] | undefined][] = [
    ['etc/passwd', ['etc', 'passwd']],
    ['./etc/passwd', ['etc', 'passwd']],
    ['/etc//passwd/', ['etc', 'passwd']],
    ['././a/./b', ['a', 'b']],
    ['./', []],
    ['/', []],
    ['', []],
    ['...', ['...']],
    ['..a/b..', ['..a', 'b..']],
    ['a\\..\\b', ['a\\..\\b']],
    ['../etc/passwd', undefined],
    ['/../etc/passwd', undefined],
    ['a/../b', undefined],
    ['a/b/..', undefined],
    ['..', undefined],
  ];
  for (const [name, components] of PATHS) {
    it(`${JSON.stringify(name)} -> ${components ? JSON.stringify(components.join('/')) : 'skipped'}`, () => {
      assert.deepEqual(entryPathComponents(name), components);
    });
  }

  const ROLES: [string, EntryRole][] = [
    ['', { kind: 'ignored' }],
    ['etc/passwd', { kind: 'content' }],
    ['etc/.wh.passwd', { kind: 'whiteout', target: ['etc', 'passwd'] }],
    ['.wh.etc', { kind: 'whiteout', target: ['etc'] }],
    ['app/.wh..wh..opq', { kind: 'opaque', directory: ['app'] }],
    ['.wh..wh..opq', { kind: 'opaque', directory: [] }],
    ['.wh..wh.plnk/12.34', { kind: 'ignored' }],
    ['.wh..wh.aufs', { kind: 'ignored' }],
    ['a/.wh.', { kind: 'unsafe' }],
    ['a/.wh..', { kind: 'unsafe' }],
    ['a/.wh...', { kind: 'unsafe' }],
    // containerd looks at the last name only: a directory named like a whiteout holds content
    ['a/.wh.b/c', { kind: 'content' }],
    ['a/x.wh.y', { kind: 'content' }],
  ];
  for (const [path, role] of ROLES) {
    it(`${JSON.stringify(path)} is ${role.kind}`, () => {
      assert.deepEqual(entryRole(path === '' ? [] : path.split('/')), role);
    });
  }
});

describe('tar header fields', () => {
  const field = (bytes: number[] | string, length: number): Buffer => {
    const buffer = Buffer.alloc(length);
    if (typeof bytes === 'string') buffer.write(bytes, 'latin1');
    else Buffer.from(bytes).copy(buffer);
    return buffer;
  };
  const NUMBERS: [string, Buffer, number | RegExp][] = [
    ['octal with a NUL', field('0000644\0', 8), 0o644],
    ['octal padded with spaces', field('     12 ', 8), 0o12],
    ['all NULs', field('', 12), 0],
    ['digits then NUL then junk', field('12\0x', 8), 0o12],
    ['base-256 (GNU, for 8 GiB and more)', field([0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x80, 0, 0, 0], 12), 10 * 1024 ** 3],
    ['negative base-256', field([0xff, ...Array<number>(10).fill(0xff), 0xfe], 12), /negative/],
    ['base-256 past 2^53', field([0x80, ...Array<number>(11).fill(0xff)], 12), /out of range/],
    ['an 8 is not octal', field('0008', 8), /not octal/],
    ['inner spaces', field('12 34', 8), /not octal/],
  ];
  for (const [what, bytes, expected] of NUMBERS) {
    it(`number: ${what}`, () => {
      if (typeof expected === 'number') assert.equal(parseNumber(bytes, 0, bytes.length, 'size'), expected);
      else assert.throws(() => parseNumber(bytes, 0, bytes.length, 'size'), expected);
    });
  }

  const record = (key: string, value: string): string => {
    const body = ` ${key}=${value}\n`;
    let length = Buffer.byteLength(body) + 1;
    while (String(length).length + Buffer.byteLength(body) !== length) length += 1;
    return `${length}${body}`;
  };
  it('PAX records: lengths count themselves, values may hold spaces, = and UTF-8, later ones win', () => {
    const data = Buffer.from(record('path', 'a b=c/dé') + record('size', '12') + record('path', 'final'));
    assert.deepEqual(parsePaxRecords(data), new Map([['path', 'final'], ['size', '12']]));
  });
  const BAD_PAX: [string, string][] = [
    ['a length that overruns the data', '99 path=x\n'],
    ['a length that ends before the newline', '9 path=xy\n'],
    ['no key', '8 =value\n'],
    ['no equals sign', '8 pathxy\n'],
    ['no length', 'path=x\n'],
    ['a NUL in a path', `${record('path', 'a\0b')}`],
  ];
  for (const [what, text] of BAD_PAX) {
    it(`PAX records: ${what} is an error`, () => {
      assert.throws(() => parsePaxRecords(Buffer.from(text)), /invalid PAX record/);
    });
  }

  it('accepts the signed checksum old writers computed, refuses a wrong one, and reads a zero block as the end', () => {
    const header = tarHeader({ name: 'caf\u00e9' });
    const unsigned = Number.parseInt(header.toString('latin1', 148, 154), 8);
    const highBytes = [...header].filter((byte) => byte >= 0x80).length;
    header.write(`${(unsigned - 256 * highBytes).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    assert.equal(decodeHeaderBlock(header)?.name, 'café');
    header.write('000001\0 ', 148, 'latin1');
    assert.throws(() => decodeHeaderBlock(header), /checksum mismatch/);
    assert.equal(decodeHeaderBlock(Buffer.alloc(512)), undefined);
  });
});

describe('crc32AppendZeros (the gzip bomb trailer)', () => {
  for (const count of [0, 1, 7, 512, 1_000_003]) {
    it(`matches zlib over ${count} appended zeros`, () => {
      const data = Buffer.from('wharf');
      assert.equal(crc32AppendZeros(crc32(data), count), crc32(Buffer.concat([data, Buffer.alloc(count)])));
    });
  }
});

// ---- the merged view --------------------------------------------------------------------------

describe('whiteouts and layer order', () => {
  const CASES: { what: string; layers: Entry[][]; expected: Record<string, string> }[] = [
    {
      what: "a later layer's copy of a path replaces an earlier one",
      layers: [[file('etc/os-release', 'v1'), file('etc/hostname', 'h')], [file('etc/os-release', 'v2')]],
      expected: { 'etc/os-release': 'v2', 'etc/hostname': 'h' },
    },
    {
      what: 'a whiteout deletes a file from lower layers',
      layers: [[file('a/x', '1'), file('a/y', '2')], [file('a/.wh.x')]],
      expected: { 'a/y': '2' },
    },
    {
      what: 'a whiteout of a directory deletes its whole subtree, and nothing that only shares a prefix',
      layers: [
        [file('usr/lib/p/a', '1'), file('usr/lib/p/sub/b', '2'), file('usr/lib/pq', '3')],
        [file('usr/lib/.wh.p')],
      ],
      expected: { 'usr/lib/pq': '3' },
    },
    {
      what: 'an opaque directory hides what lower layers put in it, wherever the marker sits in the tar',
      layers: [
        [file('app/old', '1'), file('app/sub/deep', '2'), file('other', '3')],
        [file('app/new', '4'), file('app/.wh..wh..opq'), file('app/later', '5')],
      ],
      expected: { 'app/new': '4', 'app/later': '5', other: '3' },
    },
    {
      what: 'an opaque directory hides every lower layer, not only the one below',
      layers: [[file('d/a', '1')], [file('d/b', '2')], [file('d/.wh..wh..opq'), file('d/c', '3')]],
      expected: { 'd/c': '3' },
    },
    {
      what: 'an opaque marker at the root hides everything below',
      layers: [[file('a', '1'), file('b/c', '2')], [file('.wh..wh..opq'), file('d', '3')]],
      expected: { d: '3' },
    },
    {
      what: 'a path deleted by a whiteout can be added again by a later layer',
      layers: [[file('etc/os-release', 'v1')], [file('etc/.wh.os-release')], [file('etc/os-release', 'v3')]],
      expected: { 'etc/os-release': 'v3' },
    },
    {
      what: 'a directory deleted by a whiteout can be filled again by a later layer',
      layers: [[file('opt/app/a', '1'), file('opt/app/b', '2')], [file('opt/.wh.app')], [file('opt/app/b', '3')]],
      expected: { 'opt/app/b': '3' },
    },
    {
      what: 'a whiteout never hides a file of its own layer, before or after it in the tar',
      layers: [[file('a', '1'), file('b', '1')], [file('a', '2'), file('.wh.a'), file('.wh.b'), file('b', '2')]],
      expected: { a: '2', b: '2' },
    },
    {
      what: 'a whiteout of a path that was never there changes nothing',
      layers: [[file('a', '1')], [file('.wh.zzz'), file('x/.wh.y')]],
      expected: { a: '1' },
    },
    {
      what: 'a file replacing a directory drops what was beneath it',
      layers: [[file('opt/tool/bin', '1')], [file('opt/tool', '2')]],
      expected: { 'opt/tool': '2' },
    },
    {
      what: 'a directory replacing a file drops the file',
      layers: [[file('opt/tool', '1')], [directory('opt/tool'), file('opt/tool/bin', '2')]],
      expected: { 'opt/tool/bin': '2' },
    },
    {
      what: 'an entry beneath a path turns a lower file at that path into a directory',
      layers: [[file('opt/tool', '1'), file('opt/other', '2')], [file('opt/tool/bin', '3')]],
      expected: { 'opt/other': '2', 'opt/tool/bin': '3' },
    },
    {
      what: 'a directory entry over a directory keeps what lower layers put in it',
      layers: [[file('etc/a', '1')], [directory('etc'), file('etc/b', '2')]],
      expected: { 'etc/a': '1', 'etc/b': '2' },
    },
    {
      what: 'a symlink replacing a file takes it out of the view',
      layers: [[file('etc/os-release', 'ID=debian')], [symlink('etc/os-release', '../usr/lib/os-release')]],
      expected: {},
    },
    {
      what: 'a hard link replacing a file takes it out of the view too',
      layers: [[file('a', '1'), file('b', '2')], [hardlink('b', 'a')]],
      expected: { a: '1' },
    },
    {
      what: 'within one layer the later tar entry for a path wins',
      layers: [[file('a', '1'), file('a', '2'), file('b', '1'), symlink('b', 'a')]],
      expected: { a: '2' },
    },
    {
      what: 'AUFS bookkeeping is not part of the image',
      layers: [[file('.wh..wh.plnk/12.34', 'x'), file('.wh..wh.aufs', 'y'), file('a', '1')]],
      expected: { a: '1' },
    },
    {
      what: 'paths are normalised before they are compared',
      layers: [[file('./etc//os-release', '1'), file('/usr/./lib/x', '2')], [file('etc/.wh.os-release')]],
      expected: { 'usr/lib/x': '2' },
    },
  ];
  for (const { what, layers, expected } of CASES) {
    it(what, async () => {
      assert.deepEqual(await viewOfTars(...layers), expected);
    });
  }
});

// ---- what is offered, read and skipped ---------------------------------------------------------

describe('entries', () => {
  it('offers only regular files, with size and permission bits, and never follows a link', async () => {
    const visitor = new RecordingVisitor();
    const tar = await tarFrom([
      directory('etc'),
      { name: 'etc/passwd', content: 'root:x:0:0', mode: 0o4755 },
      symlink('etc/shadow', '/etc/shadow'),
      symlink('etc/up', '../../../../etc/passwd'),
      hardlink('etc/passwd-copy', 'etc/passwd'),
      hardlink('etc/outside', '../../etc/shadow'),
      { name: 'dev/null', type: 'character-device' },
      { name: 'run/fifo', type: 'fifo' },
    ]);
    const files = await view([layer(tar)], undefined, visitor);
    assert.deepEqual(files, { 'etc/passwd': 'root:x:0:0' });
    assert.deepEqual(visitor.offered, [{ path: 'etc/passwd', size: 10, mode: 0o4755 }]);
  });

  it('reads bytes only of files the visitor wants', async () => {
    const visitor = new RecordingVisitor((candidate) => candidate.path.endsWith('status'));
    const tar = await tarFrom([file('var/lib/dpkg/status', 'dpkg'), file('usr/bin/bash', 'ELF'), file('x/status', 's')]);
    assert.deepEqual(await view([layer(tar)], undefined, visitor), { 'var/lib/dpkg/status': 'dpkg', 'x/status': 's' });
    assert.deepEqual(visitor.analyzed, ['var/lib/dpkg/status', 'x/status']);
    assert.equal(visitor.offered.length, 3);
  });

  it('skips wanted files over maxFileBytes without reading them, and says so', async () => {
    const visitor = new RecordingVisitor();
    const tar = await tarFrom([file('big', 'x'.repeat(1001)), file('fits', 'y'.repeat(1000)), file('after', 'z')]);
    const files = await view([layer(tar)], { maxFileBytes: 1000 }, visitor);
    assert.deepEqual(Object.keys(files), ['fits', 'after']);
    assert.deepEqual(visitor.analyzed, ['fits', 'after']);
    assert.deepEqual(visitor.skips, [{ layerDigest: layer(tar).digest, path: 'big', reason: 'file too large' }]);
  });

  it('skips `..` entries and paths over PATH_MAX, and carries on', async () => {
    const visitor = new RecordingVisitor();
    const deep = `${'d/'.repeat(2100)}f`;
    const tar = await tarFrom([file('../x', '1'), file('a/../../y', '2'), file(deep, '3'), file('ok', '4')]);
    assert.deepEqual(await view([layer(tar)], undefined, visitor), { ok: '4' });
    assert.deepEqual(
      visitor.skips.map(({ path, reason }) => [path, reason]),
      [['../x', 'unsafe path'], ['a/../../y', 'unsafe path'], [deep, 'path too long']],
    );
  });

  it('reads PAX long names and sizes as tar-stream writes them', async () => {
    const longName = `opt/${'very-long-directory-name/'.repeat(12)}package.json`;
    const tar = await tarFrom([file(longName, '{"name":"x"}'), file('next', 'n')]);
    assert.deepEqual(await view([layer(tar)]), { [longName]: '{"name":"x"}', next: 'n' });
  });

  it('reads GNU long names and long link targets, and steps over GNU and PAX sparse files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-tar-'));
    try {
      const longDir = join(dir, 'tree', 'n'.repeat(120));
      mkdirSync(longDir, { recursive: true });
      writeFileSync(join(longDir, 'package.json'), 'long');
      symlinkSync('t'.repeat(150), join(dir, 'tree', 'link'));
      // Written at two offsets only, so the file has a real hole for tar --sparse to find.
      const sparse = openSync(join(dir, 'tree', 'sparse'), 'w');
      writeSync(sparse, 'start', 0);
      writeSync(sparse, 'end', 3 * MiB - 3);
      closeSync(sparse);
      writeFileSync(join(dir, 'tree', 'zz-after'), 'after');
      for (const format of ['gnu', 'posix']) {
        const tarArguments = ['--sort=name', `--format=${format}`, '--sparse', '-C', join(dir, 'tree'), '-cf', '-', '.'];
        const tar = execFileSync('tar', tarArguments, { maxBuffer: 64 * MiB });
        const expected = { [`${'n'.repeat(120)}/package.json`]: 'long', 'zz-after': 'after' };
        assert.deepEqual(await view([layer(tar)]), expected, format);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('treats an old-style typeflag NUL as a file, or a directory when the name ends in a slash', async () => {
    const tar = tarOf([{ name: 'v7dir/', type: '\0' }, { name: 'v7dir/file', type: '\0', content: 'old' }]);
    assert.deepEqual(await view([layer(tar)]), { 'v7dir/file': 'old' });
  });

  it('ignores the size field of links, directories and devices, as Go does', async () => {
    const symlinkClaimingContent = tarHeader({ name: 'l', type: '2', linkName: 'x', size: 1024 });
    const tar = Buffer.concat([symlinkClaimingContent, tarOf([{ name: 'real', content: 'r' }])]);
    assert.deepEqual(await view([layer(tar)]), { real: 'r' });
  });

  it('ends the archive at two zero blocks and drains what follows without reading it', async () => {
    const archive = tarOf([{ name: 'in', content: '1' }]);
    const tar = Buffer.concat([archive, tarOf([{ name: 'appended', content: '2' }]), Buffer.from('junk')]);
    assert.deepEqual(await view([layer(tar)]), { in: '1' });
  });

  it('accepts an archive that stops at a block boundary without its end marker', async () => {
    const tar = tarOf([{ name: 'in', content: '1' }]);
    assert.deepEqual(await view([layer(tar.subarray(0, tar.length - 1024))]), { in: '1' });
  });

  it('refuses a zero block followed by a header (Go: ErrHeader)', async () => {
    const tar = Buffer.concat([Buffer.alloc(512), tarOf([{ name: 'hidden', content: '1' }])]);
    await rejectsWithReason(view([layer(tar)]), /^invalid tar header \(after a zero block\) in layer sha256:[0-9a-f]{64}$/);
  });
});

// ---- compression --------------------------------------------------------------------------------

describe('compression', () => {
  const tarPromise = tarFrom([file('etc/os-release', 'ID=alpine'), file('lib/apk/db/installed', 'P:musl')]);
  const expected = { 'etc/os-release': 'ID=alpine', 'lib/apk/db/installed': 'P:musl' };
  const ENCODINGS: [string, (tar: Buffer) => Buffer][] = [
    ['plain', (tar) => tar],
    ['gzip', (tar) => gzipSync(tar)],
    ['zstd', (tar) => zstd(tar)],
  ];
  const MEDIA_TYPES = [
    OCI_TAR,
    OCI_GZIP,
    OCI_ZSTD,
    'application/vnd.oci.image.layer.nondistributable.v1.tar',
    'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
    'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
    'application/vnd.docker.image.rootfs.diff.tar.gzip',
    'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  ];
  for (const [encoding, encode] of ENCODINGS) {
    it(`${encoding} bytes are read whatever layer type they are labelled with`, async () => {
      const bytes = encode(await tarPromise);
      for (const mediaType of MEDIA_TYPES) {
        assert.deepEqual(await view([layer(bytes, { mediaType })]), expected, mediaType);
      }
    });
    it(`${encoding} bytes handed over one byte at a time`, async () => {
      assert.deepEqual(await view([layer(encode(await tarPromise), { chunkBytes: 1 })]), expected);
    });
  }

  it('reads concatenated gzip members, and zstd frames after a skippable frame', async () => {
    const tar = await tarPromise;
    const half = 1024;
    const members = Buffer.concat([gzipSync(tar.subarray(0, half)), gzipSync(tar.subarray(half))]);
    assert.deepEqual(await view([layer(members, { mediaType: OCI_GZIP })]), expected);
    const skippable = Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    const frames = Buffer.concat([skippable, zstd(tar.subarray(0, half), '--no-check'), zstd(tar.subarray(half), '-19')]);
    assert.deepEqual(await view([layer(frames, { mediaType: OCI_ZSTD })]), expected);
  });

  it('refuses media types that are not layers, without opening them', async () => {
    const opened: string[] = [];
    const source = { ...layer(await tarPromise), mediaType: 'application/vnd.oci.image.config.v1+json' };
    const watched = { ...source, open: () => (opened.push(source.digest), source.open()) };
    await rejectsWithReason(
      walkLayers([watched], new RecordingVisitor()),
      /^unsupported layer media type "application\/vnd\.oci\.image\.config\.v1\+json" in layer sha256:/,
    );
    assert.deepEqual(opened, []);
  });

  for (const kind of ZSTD_DECODER_KINDS) {
    it(`zstd decoder "${kind}": decodes, and names truncation the same way`, async () => {
      const original = Buffer.concat([randomBytes(256 * 1024), Buffer.alloc(3 * MiB, 'wharf layer ')]);
      const compressed = zstd(original);
      const decode = async (input: Buffer): Promise<Buffer> => {
        const parts: Buffer[] = [];
        const collect = async (decoded: AsyncIterable<Buffer>) => {
          for await (const part of decoded) parts.push(part);
        };
        await pipeline(Readable.from(chunksOf(input, 4096)), createDecoder('zstd', kind), collect);
        return Buffer.concat(parts);
      };
      assert.ok((await decode(compressed)).equals(original));
      const failure = await decode(compressed.subarray(0, compressed.length / 2)).then(
        () => assert.fail('truncated input decoded'),
        (error: unknown) => decodeFailure('zstd', error, 'sha256:x'),
      );
      assert.equal(failure.reason, 'truncated zstd stream in layer sha256:x');
    });
  }
});

// ---- failures -----------------------------------------------------------------------------------

describe('failures', () => {
  const tarPromise = tarFrom([file('a', 'x'.repeat(100_000)), file('b', 'y'.repeat(100_000))]);

  it('names a truncated zstd stream, a corrupt gzip stream and a truncated tar', async () => {
    const tar = await tarPromise;
    const compressed = zstd(tar);
    const cut = compressed.subarray(0, compressed.length - 10);
    await rejectsWithReason(view([layer(cut)]), /^truncated zstd stream in layer sha256:/);
    const gzip = gzipSync(tar);
    gzip.writeUInt32LE((gzip.readUInt32LE(gzip.length - 8) ^ 1) >>> 0, gzip.length - 8);
    await rejectsWithReason(view([layer(gzip)]), /^corrupt gzip stream in layer sha256:/);
    await rejectsWithReason(view([layer(tar.subarray(0, 150_000))]), /^truncated tar stream in layer sha256:/);
    const garbage = Buffer.from('not a tar at all'.repeat(64));
    await rejectsWithReason(view([layer(garbage)]), /^invalid tar header \(checksum not octal\) in layer/);
  });

  it('counts decompressed bytes and entries over all layers, naming the layer that went over', async () => {
    const first = layer(tarOf([{ name: 'a', content: 'x'.repeat(600 * 1024) }]));
    const second = layer(tarOf([{ name: 'b', content: 'y'.repeat(600 * 1024) }]));
    const overBytes = new RegExp(`^decompressed size over 1048576 bytes in layer ${second.digest}$`);
    await rejectsWithReason(view([first, second], { maxDecompressedBytes: MiB }), overBytes);
    const entries = (prefix: string, count: number) =>
      layer(tarOf(Array.from({ length: count }, (_, i) => ({ name: `${prefix}${i}` }))));
    await rejectsWithReason(view([entries('a', 6), entries('b', 5)], { maxEntries: 10 }), /^entries over 10 in layer/);
    assert.equal(Object.keys(await view([entries('a', 6), entries('b', 4)], { maxEntries: 10 })).length, 10);
  });

  it('rejects limits that would switch a cap off', async () => {
    for (const bad of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY]) {
      await assert.rejects(walkLayers([], new RecordingVisitor(), { maxEntries: bad }), RangeError);
    }
    const defaults = { maxDecompressedBytes: 8 * 1024 ** 3, maxEntries: 2_000_000, maxFileBytes: 256 * MiB };
    assert.deepEqual(DEFAULT_SCAN_LIMITS, defaults);
  });

  const ENCODINGS = [
    ['plain', (tar: Buffer) => tar],
    ['gzip', (tar: Buffer) => gzipSync(tar)],
    ['zstd', (tar: Buffer) => zstd(tar)],
  ] as const;
  for (const [encoding, encode] of ENCODINGS) {
    it(`passes the blob store's read errors, and the visitor's own, through unchanged (${encoding})`, async () => {
      const bytes = encode(await tarPromise);
      const diskError = new Error('disk on fire');
      const failing: LayerSource = {
        ...layer(bytes),
        open: async () =>
          Readable.from(
            (function* () {
              yield bytes.subarray(0, bytes.length / 2);
              throw diskError;
            })(),
          ),
      };
      await assert.rejects(view([failing]), (error) => error === diskError);
      const refused: LayerSource = { ...layer(bytes), open: () => Promise.reject(diskError) };
      await assert.rejects(view([refused]), (error) => error === diskError);
      const visitorBug = new TypeError('detector bug');
      const buggy: FileVisitor<string> = { wants: () => true, analyze: () => Promise.reject(visitorBug) };
      await assert.rejects(walkLayers([layer(bytes)], buggy), (error) => error === visitorBug);
    });
  }

  it('stops at an abort, even over a source that answers from memory, with the signal’s reason', async () => {
    const tinyTar = Buffer.concat([...manyTinyEntries(200_000).chunks()]);
    const endless = streamedLayer('endless', () => manyTinyEntries(50_000_000).chunks());
    // One chunk of zstd: the fzstd stage works through it without ever going back to its source.
    const oneZstdChunk = streamedLayer('zstd', () => [zstd(tinyTar)]);
    for (const source of [endless, oneZstdChunk]) {
      const visitor = new RecordingVisitor(() => false);
      const { result: error } = await measured(() =>
        walkLayers([source], visitor, { maxEntries: 100_000_000 }, AbortSignal.timeout(100)).then(
          () => assert.fail('the walk should have been aborted'),
          (thrown: unknown) => thrown,
        ),
      );
      assert.equal((error as Error).name, 'TimeoutError');
    }

    const controller = new AbortController();
    controller.abort(new Error('scan cancelled'));
    let opened = false;
    const watched = { ...endless, open: () => ((opened = true), endless.open()) };
    await assert.rejects(walkLayers([watched], new RecordingVisitor(), undefined, controller.signal), /scan cancelled/);
    assert.equal(opened, false);
  });
});

// ---- hostile layers -----------------------------------------------------------------------------

describe('hostile layers', () => {
  it('the gzip bomb generator makes valid gzip (CRC and size checked by zlib)', async () => {
    const bomb = await gzipBomb(24 * MiB + 3, 'small-bomb');
    const compressed = Buffer.concat([...bomb.chunks()]);
    assert.equal(compressed.length, bomb.size);
    assert.ok(bomb.size < bomb.decompressedSize / 500, `ratio ${bomb.decompressedSize / bomb.size}`);
    const tar = gunzipSync(compressed);
    assert.equal(tar.length, bomb.decompressedSize);
    assert.deepEqual(await view([layer(compressed)], undefined, new RecordingVisitor(() => false)), {});
  });

  it('a 10 GiB gzip bomb is stopped at the decompressed-size cap, in bounded memory', async () => {
    const bomb = await gzipBomb();
    let compressedRead = 0;
    const source = streamedLayer(
      'bomb',
      function* () {
        for (const chunk of bomb.chunks()) {
          compressedRead += chunk.length;
          yield chunk;
        }
      },
      OCI_GZIP,
    );
    const { result, rssGrowthMiB } = await measured(() =>
      rejectsWithReason(
        walkLayers([source], new RecordingVisitor(), { maxDecompressedBytes: 512 * MiB }),
        /^decompressed size over 536870912 bytes in layer sha256:/,
      ),
    );
    assert.ok(result instanceof LayerScanError);
    assert.ok(compressedRead < bomb.size / 4, `read ${compressedRead} of ${bomb.size} compressed bytes`);
    assert.ok(rssGrowthMiB < 200, `resident set grew ${rssGrowthMiB.toFixed(0)} MiB`);
  });

  it('a layer full of `..` paths and links out of the root finishes and yields nothing', async () => {
    const visitor = new RecordingVisitor();
    const { result } = await measured(() => view([layer(escapingLayer(1000))], undefined, visitor));
    assert.deepEqual(result, {});
    assert.deepEqual(visitor.analyzed, []);
    assert.equal(visitor.skips.length, 6000);
    assert.ok(visitor.skips.every((skip) => skip.reason === 'unsafe path'));
  });

  it('a truncated gzip layer is named as such', async () => {
    const truncated = layer(truncatedGzipLayer(), { mediaType: OCI_GZIP });
    await rejectsWithReason(view([truncated]), /^truncated gzip stream in layer sha256:[0-9a-f]{64}$/);
  });

  it('millions of tiny entries stop at the entry cap, in bounded memory', async () => {
    const source = streamedLayer('tiny', () => manyTinyEntries(5_000_000).chunks());
    const visitor: FileVisitor<never> = { wants: () => false, analyze: () => assert.fail('nothing is wanted') };
    const { rssGrowthMiB } = await measured(() =>
      rejectsWithReason(walkLayers([source], visitor, { maxEntries: 300_000 }), /^entries over 300000 in layer sha256:/),
    );
    assert.ok(rssGrowthMiB < 200, `resident set grew ${rssGrowthMiB.toFixed(0)} MiB`);
  });

  it('a zstd frame asking for a 2 GiB window is refused before anything is allocated', async () => {
    const { rssGrowthMiB } = await measured(() =>
      rejectsWithReason(
        view([layer(zstdHugeWindowLayer(), { mediaType: OCI_ZSTD })]),
        /^zstd window of 2147483648 bytes over 134217728 in layer sha256:/,
      ),
    );
    assert.ok(rssGrowthMiB < 100, `resident set grew ${rssGrowthMiB.toFixed(0)} MiB`);
    const oversizedBlock = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (17 - 10) << 3, 0x02, 0x00, 0x20, 0x41]);
    const error = await rejectsWithReason(view([layer(oversizedBlock)]), /^corrupt zstd stream in layer/);
    assert.match(String((error.cause as Error).message), /block of 262144 bytes over 131072/);
  });

  it('deep, distinct, wanted paths stop at the analyzed-file index cap', async () => {
    const source = streamedLayer('deep', () => deepPathsLayer(50_000).chunks());
    await measured(() =>
      rejectsWithReason(
        walkLayers([source], { wants: () => true, analyze: () => true }),
        /^analyzed file index over 134217728 bytes in layer/,
      ),
    );
  });
});
