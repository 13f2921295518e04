// Typed access to JSON documents of unknown shape (lockfiles, package.json): every detector reads
// them through these guards so a field of the wrong type is skipped instead of trusted.

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The document's top-level object, or undefined when the bytes are not a JSON object. */
export function parseJsonRecord(content: Buffer): JsonRecord | undefined {
  try {
    const value: unknown = JSON.parse(content.toString('utf8'));
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A non-empty string field, or undefined. */
export function stringField(record: JsonRecord, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** License fields come as a string, an array of strings or (old npm) `{ type }` objects. */
export function licenseList(value: unknown): string[] | undefined {
  const items = Array.isArray(value) ? value : [value];
  const licenses = items
    .map((item) => (isRecord(item) ? item['type'] : item))
    .filter((item): item is string => typeof item === 'string' && item !== '');
  return licenses.length > 0 ? licenses : undefined;
}
