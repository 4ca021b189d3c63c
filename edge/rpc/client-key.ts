// The one key every per-client bound is counted against (the request budget, the transaction bucket, live
// filters, WebSocket sessions): the address Cloudflare saw (CF-Connecting-IP), normalised so that one party
// cannot multiply its budget by changing addresses it owns for free.
//  - IPv6: the /64 prefix. A /64 is the smallest block an ISP or cloud hands out; keying by full address would
//    give its owner 2^64 budgets.
//  - IPv4-mapped IPv6 (::ffff:a.b.c.d): the IPv4 address, so one client has one key whichever way it arrives.
//  - IPv4: the address itself, in canonical dotted form.

/** Requests without CF-Connecting-IP (local tools, tests without the header) share one budget. */
export const UNKNOWN_CLIENT = 'unknown';
/** A header that is no IP address (only possible off Cloudflare) is kept, bounded, under its own prefix. */
const MAX_RAW_KEY = 64;

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4(text: string): string | null {
  const match = IPV4.exec(text);
  if (!match) return null;
  const octets = match.slice(1).map(Number);
  return octets.every((octet) => octet <= 255) ? octets.join('.') : null;
}

/** The eight 16-bit groups of an IPv6 address, or null if it is not one. The WHATWG URL parser validates it. */
function ipv6Groups(text: string): number[] | null {
  if (!text.includes(':') || /[[\]/%]/.test(text)) return null;
  let canonical: string;
  try {
    canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  // The serialiser writes hex groups only (no embedded dotted quad) and compresses at most one run with '::'.
  const [head = '', tail] = canonical.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** The budget key for a client address as CF-Connecting-IP carries it. */
export function clientKeyOf(address: string): string {
  const text = address.trim().toLowerCase();
  const v4 = ipv4(text);
  if (v4) return v4;
  const groups = ipv6Groups(text);
  if (!groups) return `raw:${text.slice(0, MAX_RAW_KEY)}`;
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The budget key for a request's client. */
export function clientKey(request: Request): string {
  const address = request.headers.get('cf-connecting-ip');
  return address === null ? UNKNOWN_CLIENT : clientKeyOf(address);
}
