// The OCI distribution grammar for names, tags and digests. Everything from the network is checked
// here before it can become part of a path, a SQL parameter or a storage key.
import { RegistryError } from './errors.js';
import { parseDigest, type ParsedDigest } from '../storage/digest.js';

export { parseDigest, type ParsedDigest };

const NAME_COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME_RE = new RegExp(`^${NAME_COMPONENT}(?:/${NAME_COMPONENT})*$`);
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** Same limit as ECR and distribution: a name with its host must fit in 255 characters. */
export const MAX_NAME_LENGTH = 255;

export function isValidName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME_LENGTH && NAME_RE.test(name);
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

export function isDigest(value: string): boolean {
  return parseDigest(value) !== null;
}

export function assertName(name: string): string {
  if (!isValidName(name)) throw new RegistryError('NAME_INVALID', 'invalid repository name', { name });
  return name;
}

export function assertTag(tag: string): string {
  if (!isValidTag(tag)) throw new RegistryError('TAG_INVALID', 'invalid tag', { tag });
  return tag;
}

export function assertDigest(value: string): ParsedDigest {
  const parsed = parseDigest(value);
  if (!parsed) throw new RegistryError('DIGEST_INVALID', 'invalid digest', { digest: value });
  return parsed;
}

/** A manifest reference is either a tag or a digest; anything else is refused. */
export type Reference = { kind: 'tag'; tag: string } | { kind: 'digest'; digest: string; parsed: ParsedDigest };

export function parseReference(reference: string): Reference {
  if (reference.includes(':')) {
    return { kind: 'digest', digest: reference, parsed: assertDigest(reference) };
  }
  return { kind: 'tag', tag: assertTag(reference) };
}
