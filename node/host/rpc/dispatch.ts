import { InternalError, InvalidRequestError, LimitExceededError, MethodNotFoundError, ParseError, type RpcError } from '../../../protocol/jsonrpc/errors.ts';
import { errorResponse, type RpcId, type RpcResponse } from '../../../protocol/jsonrpc/envelope.ts';
import { rpcErrorOf } from './domain-errors.ts';

/** Per-call context: the WebSocket connection for subscriptions, absent over HTTP. */
export interface CallContext {
  connection?: SubscriberConnection;
}

/** What a subscription needs from its connection. */
export interface SubscriberConnection {
  readonly id: number;
  send(text: string): void;
  onClose(listener: () => void): void;
}

export type MethodHandler = (params: unknown, ctx: CallContext) => unknown;
export type MethodTable = Readonly<Record<string, MethodHandler>>;

export interface DispatchOptions {
  maxBatchSize: number;
  /** Called for every failed call, to count errors by code. */
  onError?: (method: string, error: RpcError) => void;
}


/**
 * JSON-RPC 2.0 over any transport: parses a body, runs single or batch calls (bounded batch size, calls of a batch
 * run concurrently and answer in order), and serialises the reply. Notifications (no id) get no reply.
 */
export class Dispatcher {
  private readonly methods: MethodTable;
  private readonly options: DispatchOptions;

  constructor(methods: MethodTable, options: DispatchOptions) {
    this.methods = methods;
    this.options = options;
  }

  /** Returns the reply text, or null when nothing must be sent back (only notifications). */
  async handle(body: string, ctx: CallContext): Promise<string | null> {
    let message: unknown;
    try {
      message = JSON.parse(body);
    } catch {
      return JSON.stringify(errorResponse(null, new ParseError()));
    }
    if (Array.isArray(message)) {
      if (message.length === 0) return JSON.stringify(errorResponse(null, new InvalidRequestError('empty batch')));
      if (message.length > this.options.maxBatchSize) {
        return JSON.stringify(errorResponse(null, new LimitExceededError(`batch of ${message.length} requests exceeds the limit of ${this.options.maxBatchSize}`)));
      }
      const replies = await Promise.all(message.map((m) => this.call(m, ctx)));
      const present = replies.filter((r): r is RpcResponse => r !== null);
      return present.length ? JSON.stringify(present) : null;
    }
    const reply = await this.call(message, ctx);
    return reply ? JSON.stringify(reply) : null;
  }

  private async call(message: unknown, ctx: CallContext): Promise<RpcResponse | null> {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      return errorResponse(null, new InvalidRequestError('expected a request object'));
    }
    const request = message as Record<string, unknown>;
    const hasId = 'id' in request;
    const id = request.id;
    if (hasId && !(typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) || id === null)) {
      return errorResponse(null, new InvalidRequestError('id must be a string, number or null'));
    }
    const replyId = (hasId ? id : null) as RpcId;
    if (request.jsonrpc !== '2.0') return errorResponse(replyId, new InvalidRequestError('jsonrpc must be "2.0"'));
    if (typeof request.method !== 'string') return errorResponse(replyId, new InvalidRequestError('method must be a string'));
    const method = request.method;
    const handler = Object.hasOwn(this.methods, method) ? this.methods[method] : undefined;
    try {
      if (!handler) throw new MethodNotFoundError(method);
      const result = await handler(request.params, ctx);
      return hasId ? { jsonrpc: '2.0', id: replyId, result: result === undefined ? null : result } : null;
    } catch (thrown) {
      const answerable = rpcErrorOf(thrown);
      if (!answerable) console.error(`[rpc] ${method} failed:`, thrown);
      const error = answerable ?? new InternalError();
      this.options.onError?.(method, error);
      return hasId ? errorResponse(replyId, error) : null;
    }
  }
}
