import { formatEther } from 'ethers';
import { isExpected, NetworkError, QueryError, RefusedError, TimeoutError, UsageError } from './errors.ts';

/**
 * Every command returns a Report: the same result as lines for people and as one JSON object for scripts
 * (`--json`). Amounts in JSON are wei as decimal strings (bigint is not JSON), times are unix seconds.
 */
export interface Report {
  json: Record<string, unknown>;
  lines: string[];
  /** Printed, but part of it failed (e.g. status with one endpoint down): exit 1. */
  failed?: boolean;
}

/** "25000 METIS", "0.000761 METIS". */
export function metis(wei: bigint | string): string {
  const text = formatEther(BigInt(wei));
  return `${text.endsWith('.0') ? text.slice(0, -2) : text} METIS`;
}

export function isoTime(unixSeconds: bigint | number): string {
  return new Date(Number(unixSeconds) * 1000).toISOString().replace('.000Z', 'Z');
}

/** "21d", "2h 5m", "45s". */
export function duration(seconds: bigint | number): string {
  let rest = Number(seconds);
  if (rest <= 0) return '0s';
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  return parts.slice(0, 2).join(' ');
}

/** Columns padded to their widest cell; the first row is the header. */
export function table(rows: string[][], indent = '  '): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => indent + row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd());
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item), 2);
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const processOutput: Output = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

export function printReport(output: Output, report: Report, json: boolean): void {
  if (json) output.out(toJson(report.json));
  else for (const line of report.lines) output.out(line);
}

/** The error as one JSON object for `--json` (written to stdout, so a script reads one document either way). */
export function errorJson(error: unknown): Record<string, unknown> {
  if (error instanceof RefusedError) return { error: { kind: 'refused', action: error.action, code: error.code, message: error.message, ...error.details } };
  if (error instanceof NetworkError) return { error: { kind: 'network', target: error.target, url: error.url, message: error.message } };
  if (error instanceof QueryError) return { error: { kind: 'query', code: error.code, httpStatus: error.httpStatus, message: error.message } };
  if (error instanceof UsageError) return { error: { kind: 'usage', message: error.message } };
  if (error instanceof TimeoutError) return { error: { kind: 'timeout', message: error.message, ...error.details } };
  return { error: { kind: 'internal', message: (error as Error)?.message ?? String(error) } };
}

export function printError(output: Output, error: unknown, json: boolean, usage: string | null): void {
  if (json) output.out(toJson(errorJson(error)));
  const message = isExpected(error) ? error.message : `internal error: ${(error as Error)?.message ?? String(error)}`;
  output.err(`error: ${message}`);
  if (error instanceof UsageError && error.showUsage && usage) output.err(`\n${usage}`);
  else if (error instanceof UsageError) output.err('(run with --help for usage)');
  if (!isExpected(error) && process.env.CLI_DEBUG === '1' && error instanceof Error && error.stack) output.err(error.stack);
}
