// Problems a server reported while the benchmark ran: Wharf's pino lines at warn level and above,
// and requests it answered with a 5xx. A bounded output tail would lose the first error of a long
// run; counting here keeps "nothing went wrong" a checked statement rather than an assumption.

/** Pino's numeric levels: 40 warn, 50 error, 60 fatal. */
const WARN_LEVEL = 40;
const ERROR_LEVEL = 50;
const KEPT_EXAMPLES = 3;
const EXAMPLE_CHARS = 1500;
/** A line longer than this is not a log line worth keeping whole (and must not grow without bound). */
const MAX_PARTIAL_CHARS = 64 * 1024;
/** Cheap pre-check, so the common info-level request line is never parsed. */
const SUSPECT = /"level":[4-6]\d|"status":5\d\d/;

export interface ProblemSummary {
  errors: number;
  warnings: number;
  /** The first few error lines (5xx answers included), verbatim but truncated. */
  errorExamples: string[];
  warningExamples: string[];
}

export class ProblemLog {
  private partial = '';
  private readonly summary: ProblemSummary = { errors: 0, warnings: 0, errorExamples: [], warningExamples: [] };

  scan(chunk: Buffer): void {
    const lines = (this.partial + chunk.toString()).split('\n');
    this.partial = lines.pop()!.slice(-MAX_PARTIAL_CHARS);
    for (const line of lines) if (SUSPECT.test(line)) this.classify(line);
  }

  snapshot(): ProblemSummary {
    return structuredClone(this.summary);
  }

  private classify(line: string): void {
    const entry = parseLogLine(line);
    if (!entry) return;
    const example = line.length > EXAMPLE_CHARS ? `${line.slice(0, EXAMPLE_CHARS)}...` : line;
    if (entry.level >= ERROR_LEVEL || entry.status >= 500) {
      this.summary.errors++;
      if (this.summary.errorExamples.length < KEPT_EXAMPLES) this.summary.errorExamples.push(example);
    } else if (entry.level >= WARN_LEVEL) {
      this.summary.warnings++;
      if (this.summary.warningExamples.length < KEPT_EXAMPLES) this.summary.warningExamples.push(example);
    }
  }
}

function parseLogLine(line: string): { level: number; status: number } | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { level, status } = parsed as { level?: unknown; status?: unknown };
    return { level: typeof level === 'number' ? level : 0, status: typeof status === 'number' ? status : 0 };
  } catch {
    return undefined; // not a JSON log line (start-up banner, another server's format)
  }
}
