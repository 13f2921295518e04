// Progress for long offline commands: a bar redrawn in place on a terminal, else a line at most
// every few seconds (logs and CI output stay readable), always a last line when a stage ends.
export { formatBytes } from '../registry/index.js';

const WIDTH = 30;
const QUIET_MS = 3000;

export class Progress {
  private lastLine = 0;
  private drawn = false;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(label: string, done: number, total: number, detail = ''): void {
    const tty = this.out.isTTY === true;
    const now = Date.now();
    const finished = done >= total;
    if (!tty && !finished && now - this.lastLine < QUIET_MS) return;
    this.lastLine = now;
    const fraction = total === 0 ? 1 : Math.min(1, done / total);
    const filled = Math.round(fraction * WIDTH);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
    const line = `${label} ${bar} ${done}/${total}${detail ? ' ' + detail : ''}`;
    if (tty) {
      this.out.write(`\r\x1b[K${line}${finished ? '\n' : ''}`);
      this.drawn = !finished;
    } else {
      this.out.write(line + '\n');
    }
  }

  /** A line of its own, below any bar being drawn. */
  say(message: string): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
    this.out.write(message + '\n');
  }
}
