import type { RpcBackend } from '../backend.ts';
import type { MethodTable } from '../dispatch.ts';
import { blockMethods } from './blocks.ts';
import { chainMethods } from './chain.ts';
import { logMethods } from './logs.ts';
import { metisMethods } from './metis.ts';
import { sendSyncMethods } from './send-sync.ts';
import { stateMethods } from './state.ts';
import { subscribeMethods } from './subscribe.ts';
import { transactionMethods } from './transactions.ts';

/** Every JSON-RPC method the host serves. */
export function rpcMethods(backend: RpcBackend): MethodTable {
  return {
    ...chainMethods(backend),
    ...stateMethods(backend),
    ...blockMethods(backend),
    ...transactionMethods(backend),
    ...sendSyncMethods(backend),
    ...logMethods(backend),
    ...subscribeMethods(backend),
    ...metisMethods(backend),
  };
}
