import type { RpcError } from './errors.ts';

// JSON-RPC 2.0 envelopes, as hosts answer and the edge relays them.

export type RpcId = string | number | null;

export interface RpcRequest {
  jsonrpc: '2.0';
  /** Absent for notifications: forwarded, never answered. */
  id?: RpcId;
  method: string;
  params?: unknown[] | Record<string, unknown>;
}

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export type RpcResponse =
  | { jsonrpc: '2.0'; id: RpcId; result: unknown }
  | { jsonrpc: '2.0'; id: RpcId; error: RpcErrorObject };

export function errorResponse(id: RpcId, error: RpcError): RpcResponse {
  return { jsonrpc: '2.0', id, error: error.toJSON() };
}

export function resultResponse(id: RpcId, result: unknown): RpcResponse {
  return { jsonrpc: '2.0', id, result };
}

/** A hex quantity (a block number, a height) as a safe integer; null for anything else a host might send. */
export function blockNumberOf(value: unknown): number | null {
  if (typeof value !== 'string' || !/^0x[0-9a-f]+$/i.test(value)) return null;
  const number = Number.parseInt(value, 16);
  return Number.isSafeInteger(number) ? number : null;
}
