// Result tables: collected as data (written as JSON) and rendered as aligned text with footnotes
// for errors and caveats, so a failed cell never hides what went wrong.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Cell =
  | { value: number; note?: string; detail?: Record<string, unknown> }
  | { error: string }
  | { skipped: string };

export interface Row {
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  cells: Record<string, Cell>;
}

export interface Column {
  key: string;
  title: string;
}

export interface Ratio {
  title: string;
  numerator: string;
  denominator: string;
}

export interface Table {
  title: string;
  columns: Column[];
  ratios: Ratio[];
  rows: Row[];
}

export interface Report {
  startedAt: string;
  finishedAt: string;
  mode: 'quick' | 'full';
  environment: Record<string, string>;
  tables: Table[];
}

export function addRow(table: Table, label: string, unit: string, better: Row['better']): Row {
  const row: Row = { label, unit, better, cells: {} };
  table.rows.push(row);
  return row;
}

export function cellValue(cell: Cell | undefined): number | undefined {
  return cell && 'value' in cell ? cell.value : undefined;
}

export function countErrors(report: Report): number {
  return report.tables.flatMap((table) => table.rows.flatMap((row) => Object.values(row.cells))).filter((cell) => 'error' in cell).length;
}

export function renderReport(report: Report): string {
  const environment = Object.entries(report.environment).map(([key, value]) => `  ${key}: ${value}`);
  return [
    `Wharf benchmark (${report.mode}) ${report.startedAt} .. ${report.finishedAt}`,
    ...environment,
    '',
    ...report.tables.map(renderTable),
  ].join('\n');
}

export function renderTable(table: Table): string {
  const footnotes: string[] = [];
  // Identical texts share a number: an unavailable server explains itself once, not per row.
  const footnote = (text: string): string => {
    if (!footnotes.includes(text)) footnotes.push(text);
    return `[${footnotes.indexOf(text) + 1}]`;
  };
  const header = ['workload', 'unit', 'better', ...table.columns.map((c) => c.title), ...table.ratios.map((r) => r.title)];
  const lines = table.rows.map((row) => [
    row.label,
    row.unit,
    row.better,
    ...table.columns.map((column) => renderCell(row.cells[column.key], (text) => footnote(`${column.title}: ${text}`))),
    ...table.ratios.map((ratio) => renderRatio(row, ratio)),
  ]);
  const widths = header.map((_, i) => Math.max(...[header, ...lines].map((cells) => cells[i]!.length)));
  const format = (cells: string[]) =>
    cells.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  return [
    table.title,
    format(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...lines.map(format),
    ...footnotes.map((text, i) => `  [${i + 1}] ${text.replace(/\n/g, '\n      ')}`),
    '',
  ].join('\n');
}

function renderCell(cell: Cell | undefined, footnote: (text: string) => string): string {
  if (!cell) return '-';
  if ('error' in cell) return `ERROR ${footnote(cell.error)}`;
  if ('skipped' in cell) return `skipped ${footnote(cell.skipped)}`;
  const figure = formatNumber(cell.value);
  return cell.note ? `${figure} ${footnote(cell.note)}` : figure;
}

function renderRatio(row: Row, ratio: Ratio): string {
  const numerator = cellValue(row.cells[ratio.numerator]);
  const denominator = cellValue(row.cells[ratio.denominator]);
  if (numerator === undefined || denominator === undefined || denominator === 0) return '';
  return `${(numerator / denominator).toFixed(2)}x`;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Writes `<stamp>.json` and `<stamp>.txt` into `directory`; returns their paths. */
export function writeReport(report: Report, directory: string): string[] {
  mkdirSync(directory, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const jsonPath = join(directory, `${stamp}.json`);
  const textPath = join(directory, `${stamp}.txt`);
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(textPath, `${renderReport(report)}\n`);
  return [jsonPath, textPath];
}
