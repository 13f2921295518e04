// Small HTTP parsing helpers for the /v2/ front door: ranges, Accept lists, bounded bodies.
import type { IncomingMessage } from 'node:http';
import { RegistryError } from '../registry/index.js';

export interface Range {
  start: number;
  end: number;
}

/**
 * Parses a single `bytes=` range against a blob size. Returns null when the header should be
 * ignored (absent, malformed or multi-range: RFC 9110 lets a server send the whole blob), and
 * 'unsatisfiable' when it asks for bytes past the end.
 */
export function parseByteRange(header: string | undefined, size: number): Range | null | 'unsatisfiable' {
  if (!header) return null;
  if (size === 0) return 'unsatisfiable';
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(size - suffix, 0), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

/** A PATCH `Content-Range: <start>-<end>` (the spec's form, without a unit; `bytes ` tolerated). */
export function parseContentRange(header: string | undefined): Range | null {
  if (header === undefined) return null;
  const match = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!match) throw new RegistryError('BLOB_UPLOAD_INVALID', 'malformed Content-Range', { contentRange: header });
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start) throw new RegistryError('RANGE_INVALID', 'Content-Range ends before it starts', { contentRange: header });
  return { start, end };
}

/** Media types a client accepts, without parameters; an empty list means anything. */
export function acceptedTypes(accept: string | string[] | undefined): string[] {
  const values = Array.isArray(accept) ? accept : accept ? [accept] : [];
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.split(';')[0]!.trim().toLowerCase())
    .filter((v) => v.length > 0);
}

export function acceptsMediaType(accepted: string[], mediaType: string): boolean {
  return accepted.length === 0 || accepted.includes('*/*') || accepted.includes('application/*') || accepted.includes(mediaType);
}

/** Reads a request body of at most `limit` bytes; larger bodies are refused without buffering them. */
export async function readBoundedBody(raw: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = raw.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    raw.resume();
    throw new RegistryError('SIZE_INVALID', `body exceeds the ${limit} byte limit`, { size: Number(declared) });
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of raw as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      raw.resume();
      throw new RegistryError('SIZE_INVALID', `body exceeds the ${limit} byte limit`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** `n` of a paginated listing: a non-negative integer, capped; undefined when absent. */
export function parsePageSize(value: unknown, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) {
    throw new RegistryError('PAGINATION_NUMBER_INVALID', 'n must be a non-negative integer', { n: value });
  }
  return Math.min(Number(value), max);
}
