import { Chain, type BlockEnvInput, type CallInput, type CallResult, type ExecutedBlock as NativeExecuted, type PendingBlock, type SealedBlockInput } from '@l2-sequencer/native';
import { CallFailedError, CallRefusedError, PendingStaleError, StateUnavailableError, type BlockEnv, type CallLimits, type CallOutcome, type CallRequest, type ExecutedBlock, type ExecutionEngine, type PendingBlockView, type SealedBlock, type VerifyOutcome } from './engine.ts';
import type { Hex } from '../../encoding/hex.ts';
import type { RpcBlock, RpcLog, RpcPendingBlock, RpcPendingReceipt, RpcReceipt, RpcTransaction } from './records.ts';

/**
 * The ExecutionEngine over the native `Chain` (revm, Merkle-Patricia state, redb). Every block is one native call
 * run on the libuv pool; reads are synchronous. Native errors carry a stable code before the colon of their message.
 */
export class NativeEngine implements ExecutionEngine {
  readonly chainId: bigint;
  private readonly chain: Chain;
  /** The head as of the last block this engine applied (reads at or above it go to the in-memory head state). */
  private latest: bigint;
  /** Present when the native build offers `Chain.rewindTo(number)` (the native build has offered it since the failover work; a build without it makes the host stop at an orphan). */
  readonly rewindTo?: (number: bigint) => Promise<void>;

  constructor(chain: Chain) {
    this.chain = chain;
    this.chainId = BigInt(chain.chainId);
    this.latest = BigInt(chain.latestNumber());
    const rewind = (chain as unknown as { rewindTo?: (number: bigint) => unknown }).rewindTo;
    if (typeof rewind === 'function') {
      this.rewindTo = async (number) => {
        await rewind.call(chain, number);
        this.latest = BigInt(chain.latestNumber());
      };
    }
  }

  latestNumber(): bigint {
    return this.latest;
  }

  nextBaseFee(): bigint {
    return BigInt(this.chain.nextBaseFee());
  }

  forkAt(timestamp: bigint): string {
    return this.chain.forkAt(timestamp);
  }

  txGasCap(timestamp: bigint): bigint {
    return BigInt(this.chain.txGasCap(timestamp));
  }

  nextGasLimit(target: bigint): bigint {
    return BigInt(this.chain.nextGasLimit(target));
  }

  async executeBlock(env: BlockEnv, rawTxs: readonly Uint8Array[], senders?: readonly Hex[]): Promise<ExecutedBlock> {
    const raws = rawTxs.map((raw) => Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
    const executed = await this.chain.executeBlock(envInput(env), raws, senders ? [...senders] : null);
    this.latest = BigInt(this.chain.latestNumber());
    return toExecuted(env, executed);
  }

  async pendingBlock(env: BlockEnv, rawTxs: readonly Uint8Array[], senders?: readonly Hex[]): Promise<PendingBlockView> {
    const raws = rawTxs.map((raw) => Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
    const { number: _ignored, ...input } = envInput(env);
    return new NativePendingBlock(await this.chain.pendingBlock(input, raws, senders ? [...senders] : null));
  }

  async verifyAndApply(block: SealedBlock, nowMs?: number): Promise<VerifyOutcome> {
    try {
      const now = nowMs === undefined ? undefined : BigInt(Math.floor(nowMs / 1000));
      const applied = await this.chain.verifyAndApply(sealedInput(block), now);
      this.latest = BigInt(this.chain.latestNumber());
      return { ok: true, block: applied.header as unknown as RpcBlock, receipts: applied.receipts as unknown as RpcReceipt[] };
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
  }

  async pruneBelow(below: bigint, maxBlocks: number): Promise<bigint> {
    return BigInt(await this.chain.pruneBelow(below, maxBlocks));
  }

  oldestKeptBlock(): bigint {
    return BigInt(this.chain.oldestKeptBlock());
  }

  sealedBlock(number: bigint): SealedBlock | null {
    const sealed = this.chain.sealedBlock(number);
    const header = sealed ? this.getBlockByNumber(number) : null;
    return sealed && header ? { ...fromSealedInput(sealed), gasUsed: BigInt(header.gasUsed), logsBloom: header.logsBloom } : null;
  }

  getAccount(address: Hex, block: bigint): { nonce: bigint; balance: bigint } {
    const at = this.at(block);
    return read(() => ({ nonce: BigInt(this.chain.getNonce(address, at)), balance: BigInt(this.chain.getBalance(address, at)) }));
  }

  getCode(address: Hex, block: bigint): Hex {
    return read(() => this.chain.getCode(address, this.at(block)) as Hex);
  }

  getStorageAt(address: Hex, slot: Hex, block: bigint): Hex {
    return read(() => this.chain.getStorage(address, slot, this.at(block)) as Hex);
  }

  call(request: CallRequest, block: bigint): Promise<CallOutcome> {
    return settled(() => this.chain.call(callInput(request), this.at(block)));
  }

  estimateGas(request: CallRequest, block: bigint): Promise<CallOutcome> {
    return settled(() => this.chain.estimateGas(callInput(request), this.at(block)));
  }

  getBlockByNumber(number: bigint): RpcBlock | null {
    return this.chain.getBlockByNumber(number) as unknown as RpcBlock | null;
  }

  getBlockByHash(hash: Hex): RpcBlock | null {
    return this.chain.getBlockByHash(hash) as unknown as RpcBlock | null;
  }

  getTransaction(hash: Hex): RpcTransaction | null {
    return this.chain.getTransaction(hash) as unknown as RpcTransaction | null;
  }

  getReceipt(hash: Hex): RpcReceipt | null {
    return this.chain.getReceipt(hash) as unknown as RpcReceipt | null;
  }

  getBlockLogs(number: bigint): RpcLog[] {
    const receipts = this.chain.getBlockReceipts(number) as unknown as RpcReceipt[] | null;
    if (!receipts) return [];
    const logs: RpcLog[] = [];
    for (const receipt of receipts) for (const log of receipt.logs) logs.push(log);
    return logs;
  }

  /** Reads at the head go to the in-memory state (null); older blocks to the native history window. */
  private at(block: bigint): bigint | null {
    return block >= this.latest ? null : block;
  }
}

/**
 * Opens (or creates from `genesis`) the chain in `dir`. The gas-limit bounds of the header rules come from
 * `genesis.config.minGasLimit` / `maxGasLimit` when present (every host of a chain shares its genesis); `calls`
 * bounds eth_call / eth_estimateGas (threads, queue, gas cap, wall time).
 */
export function openNativeEngine(dir: string, genesis: Record<string, unknown>, calls?: CallLimits): NativeEngine {
  const callOptions = calls ? { callThreads: calls.threads, callQueue: calls.queue, callGasCap: calls.gasCap, callTimeoutMs: calls.timeoutMs } : {};
  return new NativeEngine(Chain.open(dir, JSON.stringify(genesis), { ...gasLimitBounds(genesis), ...callOptions }));
}

function gasLimitBounds(genesis: Record<string, unknown>): { minGasLimit?: bigint; maxGasLimit?: bigint } {
  const config = (genesis.config ?? {}) as Record<string, unknown>;
  const bound = (value: unknown) => (typeof value === 'number' || typeof value === 'string' ? BigInt(value) : undefined);
  const bounds: { minGasLimit?: bigint; maxGasLimit?: bigint } = {};
  const min = bound(config.minGasLimit);
  const max = bound(config.maxGasLimit);
  if (min !== undefined) bounds.minGasLimit = min;
  if (max !== undefined) bounds.maxGasLimit = max;
  return bounds;
}

/** What a call that cannot start is called in geth's words, by the executor's rejection code. */
const CALL_REJECTIONS: Readonly<Record<string, string>> = {
  InsufficientFunds: 'insufficient funds for gas * price + value',
  IntrinsicGasTooLow: 'intrinsic gas too low',
  NonceTooLow: 'nonce too low',
  NonceTooHigh: 'nonce too high',
  FeeCapBelowBaseFee: 'max fee per gas less than block base fee',
  TipAboveFeeCap: 'max priority fee per gas higher than max fee per gas',
};

/** Other codes a call or estimate may throw that are the request's fault: -32000 with the native detail. */
const CALL_FAILURES = new Set(['GasExceedsAllowance', 'InvalidInput', 'InvalidTransaction', 'GasLimitExceedsBlock', 'NonceMax', 'SenderNotEoa', 'InitCodeTooLarge', 'WrongChainId', 'UnsupportedType']);

/** Native read/call errors (a stable code before the colon) in the words wallets match on (geth's). */
function read<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw callError(error);
  }
}

/** A native call or estimate (started on a call thread), its rejection mapped as `read` maps errors. */
async function settled(start: () => Promise<CallResult>): Promise<CallOutcome> {
  try {
    return callOutcome(await start());
  } catch (error) {
    throw callError(error);
  }
}

function callError(error: unknown): unknown {
  const message = (error as Error).message ?? String(error);
  const code = message.slice(0, message.indexOf(':'));
  const detail = message.slice(message.indexOf(':') + 1).trim();
  if (code === 'StateUnavailable') return new StateUnavailableError(detail);
  if (code === 'PendingStale') return new PendingStaleError(detail);
  // Refused to protect the host: the client may retry later or with less gas.
  if (code === 'CallQueueFull') return new CallRefusedError(`call queue full: ${detail}; retry later`);
  if (code === 'GasAboveCap') return new CallRefusedError(detail);
  // geth's words: "execution timeout" is what clients match on.
  if (code === 'ExecutionTimeout') return new CallFailedError(detail);
  const words = CALL_REJECTIONS[code];
  if (words) return new CallFailedError(`${words}: ${detail}`);
  if (CALL_FAILURES.has(code)) return new CallFailedError(detail);
  return error;
}

/** The native pending block behind the engine's view; reads map errors as the head's do. */
class NativePendingBlock implements PendingBlockView {
  readonly number: bigint;
  readonly parentNumber: bigint;
  readonly parentHash: Hex;
  readonly baseFeePerGas: bigint;
  readonly timestamp: bigint;
  readonly gasLimit: bigint;
  readonly gasUsed: bigint;
  readonly included: number;
  private readonly native: PendingBlock;
  /** Shared by every reader of this pending block: the native summary runs once. */
  private header: Promise<RpcPendingBlock> | null = null;
  private receiptList: Promise<RpcPendingReceipt[]> | null = null;

  constructor(block: PendingBlock) {
    this.native = block;
    this.number = block.number;
    this.parentNumber = block.parentNumber;
    this.parentHash = block.parentHash as Hex;
    this.baseFeePerGas = block.baseFeePerGas;
    this.timestamp = block.timestamp;
    this.gasLimit = block.gasLimit;
    this.gasUsed = block.gasUsed;
    this.included = block.included;
  }

  block(): Promise<RpcPendingBlock> {
    this.header ??= this.native.block() as unknown as Promise<RpcPendingBlock>;
    return this.header;
  }

  transactions(): RpcTransaction[] {
    return this.native.transactions() as unknown as RpcTransaction[];
  }

  transaction(index: number): RpcTransaction | null {
    return this.native.transaction(index) as unknown as RpcTransaction | null;
  }

  receipts(): Promise<RpcPendingReceipt[]> {
    this.receiptList ??= this.native.receipts() as unknown as Promise<RpcPendingReceipt[]>;
    return this.receiptList;
  }

  getAccount(address: Hex): { nonce: bigint; balance: bigint } {
    return read(() => ({ nonce: BigInt(this.native.getNonce(address)), balance: BigInt(this.native.getBalance(address)) }));
  }

  getCode(address: Hex): Hex {
    return read(() => this.native.getCode(address) as Hex);
  }

  getStorageAt(address: Hex, slot: Hex): Hex {
    return read(() => this.native.getStorage(address, slot) as Hex);
  }

  call(request: CallRequest): Promise<CallOutcome> {
    return settled(() => this.native.call(callInput(request)));
  }

  estimateGas(request: CallRequest): Promise<CallOutcome> {
    return settled(() => this.native.estimateGas(callInput(request)));
  }
}

function envInput(env: BlockEnv): BlockEnvInput {
  const input: BlockEnvInput = { number: env.number, timestamp: env.timestamp, beneficiary: env.beneficiary };
  if (env.gasLimit) input.gasLimit = env.gasLimit;
  if (env.baseFeePerGas !== undefined) input.baseFeePerGas = env.baseFeePerGas;
  if (env.prevrandao) input.prevrandao = env.prevrandao;
  if (env.extraData) input.extraData = env.extraData;
  return input;
}

function sealedInput(block: SealedBlock): SealedBlockInput {
  return {
    number: block.env.number,
    parentHash: block.parentHash,
    hash: block.hash,
    stateRoot: block.stateRoot,
    transactionsRoot: block.transactionsRoot,
    receiptsRoot: block.receiptsRoot,
    env: envInput(block.env),
    transactions: block.transactions,
  };
}

function fromSealedInput(input: SealedBlockInput): SealedBlock {
  const env: BlockEnv = {
    number: BigInt(input.number),
    timestamp: BigInt(input.env.timestamp),
    beneficiary: input.env.beneficiary.toLowerCase() as Hex,
    gasLimit: BigInt(input.env.gasLimit ?? 0n),
  };
  if (input.env.baseFeePerGas !== undefined && input.env.baseFeePerGas !== null) env.baseFeePerGas = BigInt(input.env.baseFeePerGas);
  if (input.env.prevrandao) env.prevrandao = input.env.prevrandao as Hex;
  if (input.env.extraData && input.env.extraData !== '0x') env.extraData = input.env.extraData as Hex;
  return {
    env,
    parentHash: input.parentHash as Hex,
    hash: input.hash as Hex,
    stateRoot: input.stateRoot as Hex,
    transactionsRoot: input.transactionsRoot as Hex,
    receiptsRoot: input.receiptsRoot as Hex,
    transactions: input.transactions as Hex[],
  };
}

function toExecuted(requested: BlockEnv, executed: NativeExecuted): ExecutedBlock {
  const header = executed.header as unknown as RpcBlock;
  const env: BlockEnv = {
    number: BigInt(header.number),
    timestamp: BigInt(header.timestamp),
    beneficiary: requested.beneficiary,
    gasLimit: BigInt(header.gasLimit),
    baseFeePerGas: BigInt(executed.baseFeePerGas),
    prevrandao: header.mixHash,
  };
  if (header.extraData && header.extraData !== '0x') env.extraData = header.extraData;
  return {
    sealed: {
      env,
      parentHash: header.parentHash,
      hash: executed.hash as Hex,
      stateRoot: executed.stateRoot as Hex,
      transactionsRoot: executed.transactionsRoot as Hex,
      receiptsRoot: executed.receiptsRoot as Hex,
      transactions: executed.transactions as Hex[],
      gasUsed: BigInt(header.gasUsed),
      logsBloom: header.logsBloom,
    },
    block: header,
    baseFeePerGas: BigInt(executed.baseFeePerGas),
    gasUsed: BigInt(executed.gasUsed),
    receipts: executed.receipts as unknown as RpcReceipt[],
    rejected: executed.rejected.map((r) => ({ hash: r.hash as Hex, reason: `${r.code}: ${r.message}` })),
    ...timingsOf(executed),
  };
}

function timingsOf(executed: NativeExecuted): Pick<ExecutedBlock, 'timingsUs'> {
  const t = (executed as { timings?: { decodeUs: number; executeUs: number; rootsUs: number; commitUs: number } }).timings;
  return t ? { timingsUs: { decode: t.decodeUs, execute: t.executeUs, roots: t.rootsUs, commit: t.commitUs } } : {};
}

function callInput(request: CallRequest): CallInput {
  const input: CallInput = {};
  if (request.from) input.from = request.from;
  if (request.to) input.to = request.to;
  if (request.data) input.data = request.data;
  if (request.value !== undefined) input.value = request.value;
  if (request.gas !== undefined) input.gas = request.gas;
  if (request.gasPrice !== undefined) input.gasPrice = request.gasPrice;
  if (request.maxFeePerGas !== undefined) input.maxFeePerGas = request.maxFeePerGas;
  if (request.maxPriorityFeePerGas !== undefined) input.maxPriorityFeePerGas = request.maxPriorityFeePerGas;
  if (request.nonce !== undefined) input.nonce = request.nonce;
  if (request.accessList) input.accessList = request.accessList;
  if (request.authorizationList) input.authorizationList = request.authorizationList;
  return input;
}

function callOutcome(result: CallResult): CallOutcome {
  if (result.status === 'success') return { ok: true, output: result.output as Hex, gasUsed: BigInt(result.gasUsed) };
  if (result.status === 'revert') return { ok: false, reverted: true, output: result.output as Hex, reason: result.reason ?? null };
  return { ok: false, reverted: false, error: result.reason ?? 'execution halted' };
}
