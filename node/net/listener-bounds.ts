import type { ServerOptions } from 'node:http';

/**
 * Bounds every HTTP listening port of a host applies, so that slow senders (slowloris), idle sockets and connection
 * floods cannot exhaust the process: a client that trickles its headers or body is cut off, and connections beyond
 * the cap are closed at accept (net.Server `maxConnections`; upgraded WebSockets still count against it).
 */
export interface HttpBounds {
  /** The whole header block must arrive within this (node:http answers 408 and closes). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** How often node:http checks the two timeouts above. */
  checkIntervalMs: number;
  /** Open connections at once; more are closed on accept. */
  maxConnections: number;
}

export const DEFAULT_HTTP_BOUNDS: HttpBounds = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
  maxConnections: 512,
};

/** node:http createServer options for `bounds` (the check interval can only be set at creation). */
export function httpServerOptions(bounds: HttpBounds): ServerOptions {
  return {
    headersTimeout: bounds.headersTimeoutMs,
    requestTimeout: bounds.requestTimeoutMs,
    keepAliveTimeout: bounds.keepAliveTimeoutMs,
    connectionsCheckingInterval: bounds.checkIntervalMs,
  };
}
