// The "Key: value" header blocks several package formats share: Debian control stanzas, Python
// core metadata (RFC 822 style) and JAR manifests. They differ only in how a long value continues
// on the next line, which is the one parameter here.

/** Splits text into blank-line separated paragraphs of non-empty lines. */
export function paragraphs(text: string): string[][] {
  const result: string[][] = [];
  let current: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      if (current.length > 0) result.push(current);
      current = [];
    } else {
      current.push(line);
    }
  }
  if (current.length > 0) result.push(current);
  return result;
}

/**
 * `rfc822`: a continuation line starts with whitespace and is a new line of the value.
 * `jar-manifest`: a continuation line starts with exactly one space that is dropped, and the rest
 * is glued on, because manifests wrap at 72 bytes even in the middle of a word.
 */
export type Continuation = 'rfc822' | 'jar-manifest';

/** Fields keyed by lower-cased name; the first occurrence of a repeated key wins. */
export function headerFields(lines: string[], continuation: Continuation): Map<string, string> {
  const fields = new Map<string, string>();
  let lastKey: string | undefined;
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      if (lastKey === undefined) continue;
      const piece = continuation === 'jar-manifest' ? line.slice(1) : `\n${line.trim()}`;
      fields.set(lastKey, fields.get(lastKey) + piece);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      lastKey = undefined;
      continue;
    }
    const key = line.slice(0, colon).trim().toLowerCase();
    if (fields.has(key)) {
      lastKey = undefined; // continuation of a repeated key belongs to the copy we dropped
      continue;
    }
    fields.set(key, line.slice(colon + 1).trim());
    lastKey = key;
  }
  return fields;
}
