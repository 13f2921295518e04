// What a tar entry's name means for the merged image: where it is, and whether it is content or an
// OCI whiteout. Pure functions over names; the walker decides what to do with the answer.
//
//   etc/passwd                  content at etc/passwd ("./etc/passwd", "/etc//passwd" are the same)
//   etc/.wh.passwd              whiteout: deletes etc/passwd (file or whole directory) from lower layers
//   etc/.wh..wh..opq            opaque: etc stays, but nothing lower layers put in it does
//   .wh..wh.plnk/123            ignored: AUFS bookkeeping, not part of the image
//   ../etc/passwd, a/../../b    unsafe: climbs out of the root (skipped, never resolved)

/** Linux's PATH_MAX: no runtime can create a longer path, so a longer name is not a real file. */
export const MAX_PATH_BYTES = 4096;

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
const RESERVED_PREFIX = '.wh..wh.';

/**
 * The name's components with empty and `.` ones dropped, or undefined when any is `..`: such an
 * entry is skipped rather than resolved, even when it would land back inside the root.
 */
export function entryPathComponents(name: string): string[] | undefined {
  const components: string[] = [];
  for (const component of name.split('/')) {
    if (component === '' || component === '.') continue;
    if (component === '..') return undefined;
    components.push(component);
  }
  return components;
}

export type EntryRole =
  | { kind: 'content' }
  | { kind: 'whiteout'; target: string[] }
  | { kind: 'opaque'; directory: string[] }
  | { kind: 'ignored' }
  | { kind: 'unsafe' };

export function entryRole(components: readonly string[]): EntryRole {
  // The root directory itself ("./") changes nothing.
  if (components.length === 0) return { kind: 'ignored' };
  const last = components.length - 1;
  for (let i = 0; i < last; i++) {
    if (components[i]!.startsWith(RESERVED_PREFIX)) return { kind: 'ignored' };
  }
  const base = components[last]!;
  if (!base.startsWith(WHITEOUT_PREFIX)) return { kind: 'content' };
  const parent = components.slice(0, last);
  if (base === OPAQUE_MARKER) return { kind: 'opaque', directory: parent };
  if (base.startsWith(RESERVED_PREFIX)) return { kind: 'ignored' };
  const target = base.slice(WHITEOUT_PREFIX.length);
  // ".wh." alone, ".wh.." and ".wh..." would name the directory itself or its parent: containerd
  // refuses them as invalid whiteouts.
  if (target === '' || target === '.' || target === '..') return { kind: 'unsafe' };
  return { kind: 'whiteout', target: [...parent, target] };
}
