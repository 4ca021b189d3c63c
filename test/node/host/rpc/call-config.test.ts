import { describe, expect, it } from 'vitest';
import { DEFAULT_CALL_LIMITS } from '../../../../node/host/engine/engine.ts';
import { resolveConfig, type HostConfig } from '../../../../node/host/config.ts';

const base = { dataDir: '/tmp/x', genesis: {}, nodeKey: `0x${'11'.repeat(32)}`, operator: { port: 0, token: 'operator-token-0123456789' }, sequencer: { mode: 'static', address: `0x${'22'.repeat(20)}` } } as const;
const withCalls = (calls: unknown) => resolveConfig({ ...base, rpc: { port: 0, calls } as unknown as HostConfig['rpc'] } as Parameters<typeof resolveConfig>[0]);

describe('rpc.calls in the host config', () => {
  it('defaults to geth\'s cap and timeout, one call thread and eight waiting', () => {
    expect(resolveConfig(base as Parameters<typeof resolveConfig>[0]).rpc.calls).toEqual(DEFAULT_CALL_LIMITS);
    expect(DEFAULT_CALL_LIMITS).toEqual({ threads: 1, queue: 8, gasCap: 50_000_000n, timeoutMs: 5_000 });
  });

  it('takes a JSON gas cap as a number or a decimal string, the rest from the defaults', () => {
    expect(withCalls({ gasCap: '30000000', queue: 0 }).rpc.calls).toEqual({ ...DEFAULT_CALL_LIMITS, gasCap: 30_000_000n, queue: 0 });
    expect(withCalls({ gasCap: 100_000, threads: 4, timeoutMs: 0 }).rpc.calls).toEqual({ threads: 4, queue: 8, gasCap: 100_000n, timeoutMs: 0 });
  });

  it('refuses values that would disable or break the bounds, naming the field', () => {
    expect(() => withCalls({ threads: 0 })).toThrow(/^config\.rpc\.calls\.threads/);
    expect(() => withCalls({ threads: 1.5 })).toThrow(/^config\.rpc\.calls\.threads/);
    expect(() => withCalls({ queue: -1 })).toThrow(/^config\.rpc\.calls\.queue/);
    expect(() => withCalls({ gasCap: 'lots' })).toThrow(/^config\.rpc\.calls\.gasCap: expected a whole number/);
    expect(() => withCalls({ gasCap: 20_999 })).toThrow(/^config\.rpc\.calls\.gasCap/);
    expect(() => withCalls({ timeoutMs: -5 })).toThrow(/^config\.rpc\.calls\.timeoutMs/);
  });
});
