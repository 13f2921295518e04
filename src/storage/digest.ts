// Content addresses: `algorithm:hex`. Parsing lives here, below every other layer, because a digest
// becomes a storage key and must never carry anything but lowercase hex.
import { createHash, type Hash } from 'node:crypto';

export type DigestAlgorithm = 'sha256' | 'sha512';
const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
const DIGEST_RE = /^(sha256|sha512):([a-f0-9]+)$/;

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

export function parseDigest(value: string): ParsedDigest | null {
  const match = DIGEST_RE.exec(value);
  if (!match) return null;
  const algorithm = match[1] as DigestAlgorithm;
  const hex = match[2]!;
  return hex.length === HEX_LENGTH[algorithm] ? { algorithm, hex } : null;
}

export function newHasher(algorithm: DigestAlgorithm): Hash {
  return createHash(algorithm);
}

export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}
