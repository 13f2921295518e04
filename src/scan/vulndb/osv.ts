// The OSV record format (ossf.github.io/osv-schema), as much of it as the scanner uses. Strict
// where a mistake would change which versions match (ids, timestamps, range events), lenient
// where published data varies and nothing depends on it: a malformed severity or reference entry
// is dropped rather than costing the whole record, `null` reads as absent, unknown keys are ignored.
import { z } from 'zod';
import type { RangeEventKind } from './affected.js';

/**
 * RFC 3339 as OSV writes it (fractions up to nanoseconds). A time without a zone is read as UTC,
 * not as the importing machine's local time.
 */
const timestamp = z.string().transform((text, ctx) => {
  const ms = Date.parse(/T[\d:.]+$/.test(text) ? text + 'Z' : text);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `not an RFC 3339 time: ${text.slice(0, 40)}` });
    return z.NEVER;
  }
  return ms;
});

/** `null` and absent alike become undefined. */
function optional<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((value): z.output<T> | undefined => value ?? undefined);
}

/** A list where null and absent are empty. */
function list<T extends z.ZodType>(schema: T) {
  return z.array(schema).nullish().transform((items): z.output<T>[] => items ?? []);
}

/** A list whose malformed items are dropped. */
function lenientList<T extends z.ZodType>(schema: T) {
  return z
    .array(z.unknown())
    .nullish()
    .transform((items): z.output<T>[] =>
      (items ?? []).flatMap((item) => {
        const parsed = schema.safeParse(item);
        return parsed.success ? [parsed.data] : [];
      }),
    );
}

const dictionary = optional(z.record(z.string(), z.unknown()));

const EVENT_KINDS: readonly RangeEventKind[] = ['introduced', 'fixed', 'last_affected', 'limit'];

const event = z
  .object({ introduced: z.string().optional(), fixed: z.string().optional(), last_affected: z.string().optional(), limit: z.string().optional() })
  .transform((value, ctx) => {
    const kinds = EVENT_KINDS.filter((kind) => value[kind] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: 'an event has exactly one of introduced, fixed, last_affected, limit' });
      return z.NEVER;
    }
    const kind = kinds[0]!;
    return { kind, version: value[kind]! };
  });

const severity = z.object({ type: z.string(), score: z.string() });

const affected = z.object({
  package: optional(z.object({ ecosystem: z.string().min(1), name: z.string().min(1), purl: optional(z.string()) })),
  severity: lenientList(severity),
  ranges: list(z.object({ type: z.string(), events: list(event) })),
  versions: list(z.string()),
  ecosystem_specific: dictionary,
  database_specific: dictionary,
});

export const OsvRecordSchema = z.object({
  id: z.string().min(1).max(255),
  modified: timestamp,
  published: optional(timestamp),
  withdrawn: optional(timestamp),
  aliases: list(z.string()),
  /** The records a distribution's record derives from (DEBIAN-CVE-2024-1 -> CVE-2024-1). */
  upstream: list(z.string()),
  summary: optional(z.string()),
  details: optional(z.string()),
  severity: lenientList(severity),
  affected: list(affected),
  references: lenientList(z.object({ type: optional(z.string()), url: z.string().min(1) })),
  database_specific: dictionary,
});

export type OsvRecord = z.output<typeof OsvRecordSchema>;
export type OsvAffected = OsvRecord['affected'][number];
export type OsvSeverity = OsvRecord['severity'][number];

export type OsvParse = { record: OsvRecord } | { problem: string };

/**
 * A record, or why it is not one. The problem names the first issue by path with array indices
 * elided (`affected[].ranges[].events[]: ...`), so the problems of many records can be counted together.
 */
export function parseOsvRecord(raw: unknown): OsvParse {
  const parsed = OsvRecordSchema.safeParse(raw);
  if (parsed.success) return { record: parsed.data };
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map((part) => (typeof part === 'number' ? '[]' : `.${String(part)}`)).join('').replace(/^\./, '');
  return { problem: `${path || 'record'}: ${issue.message}` };
}
