import { HTTPException } from 'hono/http-exception';

// Input checks for the REST API: a bad value is a 400 with a reason, in the consensus query API's error shape.

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

export class BadRequest extends HTTPException {
  constructor(code: string, message: string) {
    super(400, { res: Response.json({ error: { code, message } }, { status: 400 }) });
  }
}

export function notFound(message: string): HTTPException {
  return new HTTPException(404, { res: Response.json({ error: { code: 'not_found', message } }, { status: 404 }) });
}

export interface Pagination {
  from: number;
  limit: number;
}

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,15}$/.test(value)) throw new BadRequest('invalid_pagination', `${name} must be an integer from ${min} to ${max}, got "${value}"`);
  const parsed = Number(value);
  if (parsed < min || parsed > max) throw new BadRequest('invalid_pagination', `${name} must be an integer from ${min} to ${max}, got ${parsed}`);
  return parsed;
}

/** `from` (first index or key, default 0) and `limit` (1..100, default 20). */
export function pagination(query: Record<string, string | undefined>): Pagination {
  return {
    from: integer('from', query.from, 0, 0, Number.MAX_SAFE_INTEGER),
    limit: integer('limit', query.limit, DEFAULT_LIMIT, 1, MAX_LIMIT),
  };
}

/** A 0x-prefixed 20-byte hex address, any case; returned lowercase. */
export function address(value: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new BadRequest('invalid_address', `"${value}" is not an address (0x followed by 40 hex digits)`);
  return value.toLowerCase();
}

export function proposalId(value: string): string {
  if (!/^\d{1,15}$/.test(value)) throw new BadRequest('invalid_id', `proposal id must be a non-negative integer, got "${value}"`);
  return String(Number(value));
}

/** A page from `limit + 1` rows: the extra row only says whether there is a next page, and where it starts. */
export function page<T>(rows: T[], limit: number, keyOf: (row: T) => number): { items: T[]; next: number | null } {
  const items = rows.slice(0, limit);
  const extra = rows[limit];
  return { items, next: extra === undefined ? null : keyOf(extra) };
}
