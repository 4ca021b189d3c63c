import type { RpcBackend } from '../backend.ts';
import type { MethodTable } from '../dispatch.ts';
import { InvalidParamsError, MethodNotSupportedError } from '../../../../protocol/jsonrpc/errors.ts';
import { hash32, logFilter, positional } from '../../../../protocol/jsonrpc/params.ts';

/** eth_subscribe / eth_unsubscribe; WebSocket only, since notifications need a connection to travel on. */
export function subscribeMethods(backend: RpcBackend): MethodTable {
  const hub = backend.subscriptions;
  return {
    eth_subscribe: (params, ctx) => {
      if (!ctx.connection) throw new MethodNotSupportedError('eth_subscribe over HTTP (use WebSocket)');
      const [kind, options] = positional(params, 1, 2);
      switch (kind) {
        case 'newHeads':
        case 'newPendingTransactions':
          if (options != null && kind === 'newHeads') throw new InvalidParamsError('newHeads takes no options');
          return hub.subscribe(ctx.connection, kind);
        case 'logs':
          return hub.subscribe(ctx.connection, 'logs', options == null ? { addresses: [], topics: [] } : logFilter(options, 'filter', false));
        default:
          throw new InvalidParamsError(`unsupported subscription type ${JSON.stringify(kind)}; use newHeads, logs or newPendingTransactions`);
      }
    },
    eth_unsubscribe: (params, ctx) => {
      if (!ctx.connection) throw new MethodNotSupportedError('eth_unsubscribe over HTTP (use WebSocket)');
      const [id] = positional(params, 1, 1);
      if (typeof id !== 'string' || !/^0x[0-9a-f]{1,64}$/i.test(id)) throw new InvalidParamsError('subscription id: expected hex');
      return hub.unsubscribe(ctx.connection, (id.length === 66 ? hash32(id, 'id') : id.toLowerCase()) as `0x${string}`);
    },
  };
}
