import { isIP } from 'node:net';

/**
 * Where a listener binds. Every listener of a host and a sequencer defaults to loopback; a listener that must stay
 * private (operator API, ABCI socket, CometBFT RPC) binds elsewhere only when its config says so explicitly, and is
 * refused at start otherwise (docs/addresses.md).
 */
export const LOOPBACK = '127.0.0.1';

/** A listener the config asks to expose without the explicit consent (or authentication) it needs. */
export class UnsafeListenerError extends Error {
  readonly key: string;
  readonly address: string;
  constructor(key: string, address: string, reason: string) {
    super(`${key}: refusing to listen on ${address}: ${reason}`);
    this.key = key;
    this.address = address;
    this.name = 'UnsafeListenerError';
  }
}

/** A listen or advertised address that is no IP address or host name. */
export class BadAddressError extends Error {
  readonly key: string;
  constructor(key: string, address: unknown) {
    super(`${key}: expected an IP address or host name, got ${JSON.stringify(address)}`);
    this.key = key;
    this.name = 'BadAddressError';
  }
}

const HOST_NAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** `value` (default loopback) checked as an address to bind or advertise. */
export function addressOf(value: unknown, key: string, fallback: string = LOOPBACK): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || (isIP(value) === 0 && !HOST_NAME.test(value))) throw new BadAddressError(key, value);
  return value;
}

/** Only this machine can reach it: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(address: string): boolean {
  if (address === 'localhost' || address === '::1') return true;
  return isIP(address) === 4 && address.startsWith('127.');
}

/**
 * Checks a private listener: loopback always; anything else only with `exposed` set in the config, and (where the
 * listener authenticates) with `authenticated`.
 */
export function checkPrivateListener(key: string, address: string, consent: { exposed: boolean; consentKey: string; authenticated?: boolean }): void {
  if (isLoopback(address)) return;
  if (!consent.exposed) throw new UnsafeListenerError(key, address, `a private listener; set ${consent.consentKey}: true to expose it`);
  if (consent.authenticated === false) throw new UnsafeListenerError(key, address, 'it would be public without authentication');
}

/** An address this machine can connect to for a listener bound to `host` (the unspecified address: loopback). */
export function reachableAddress(host: string): string {
  return host === '0.0.0.0' || host === '::' ? LOOPBACK : host;
}

/** `host:port` for a URL (IPv6 in brackets). */
export function hostPort(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}
