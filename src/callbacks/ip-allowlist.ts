/**
 * Which senders may deliver callbacks. Swedbank Pay's callbacks are unsigned; its documented protection
 * is an allowlist of the source addresses it publishes per environment. Those addresses are
 * configuration (they change), so nothing here names any.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { ConfigurationError } from '../config/errors.js';

export interface IpAllowlist {
  /** The entries as given (for logs and errors). */
  readonly entries: readonly string[];
  /** Whether a sender address is on the list; an absent or unparsable address never is. */
  allows(address: string | undefined): boolean;
}

type Family = 'ipv4' | 'ipv6';

interface ParsedEntry {
  address: string;
  family: Family;
  prefix?: number;
}

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** `::ffff:1.2.3.4` (how a dual-stack socket reports an IPv4 peer) as `1.2.3.4`; zone ids dropped. */
export function normalizeAddress(address: string): string {
  const bare = address.trim().replace(/%.*$/, '');
  const mapped = MAPPED_IPV4.exec(bare);
  return mapped && isIP(mapped[1]!) === 4 ? mapped[1]! : bare;
}

function familyOf(address: string): Family | undefined {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}

function parseEntry(raw: string): ParsedEntry | string {
  const entry = raw.trim();
  const [addressPart, prefixPart, extra] = entry.split('/');
  if (extra !== undefined || addressPart === undefined || addressPart === '') {
    return `"${raw}" is not an IP address or CIDR range`;
  }
  if (addressPart.includes('%')) return `"${raw}": zone ids are not supported`;
  let address = addressPart;
  let family = familyOf(address);
  if (!family) return `"${raw}" is not an IP address or CIDR range`;
  if (prefixPart === undefined) {
    address = normalizeAddress(address);
    return { address, family: familyOf(address)! };
  }
  if (!/^\d{1,3}$/.test(prefixPart)) return `"${raw}" has an invalid prefix length`;
  let prefix = Number(prefixPart);
  if (prefix > (family === 'ipv4' ? 32 : 128)) return `"${raw}" has a prefix longer than the address`;
  // An IPv4 range written in its IPv4-mapped IPv6 form (::ffff:10.0.0.0/104) is the IPv4 range.
  const mapped = normalizeAddress(address);
  if (family === 'ipv6' && mapped !== address && prefix >= 96) {
    address = mapped;
    family = 'ipv4';
    prefix -= 96;
  }
  return { address, family, prefix };
}

/** Problems with allowlist entries, one per bad entry; empty when all are valid. */
export function ipAllowlistProblems(entries: readonly string[]): string[] {
  return entries.flatMap((entry) => {
    const parsed = parseEntry(entry);
    return typeof parsed === 'string' ? [parsed] : [];
  });
}

/**
 * An allowlist of exact addresses and CIDR ranges, IPv4 and IPv6 (`203.0.113.7`, `198.51.100.0/24`,
 * `2001:db8::/32`). IPv4 senders seen as IPv4-mapped IPv6 (`::ffff:203.0.113.7`) match IPv4 entries.
 * Throws a ConfigurationError naming every bad entry; an empty list is refused, since it would
 * silently refuse every callback (leave the allowlist out to accept any sender).
 */
export function createIpAllowlist(entries: readonly string[]): IpAllowlist {
  const problems = ipAllowlistProblems(entries);
  if (entries.length === 0) problems.push('the IP allowlist is empty: leave it out to accept callbacks from anyone');
  if (problems.length > 0) throw new ConfigurationError(problems.map((p) => `callback IP allowlist: ${p}`));
  const list = new BlockList();
  for (const entry of entries) {
    const parsed = parseEntry(entry) as ParsedEntry;
    if (parsed.prefix === undefined) list.addAddress(parsed.address, parsed.family);
    else list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return {
    entries: [...entries],
    allows(address) {
      if (address === undefined) return false;
      const normalized = normalizeAddress(address);
      const family = familyOf(normalized);
      return family !== undefined && list.check(normalized, family);
    },
  };
}

/** One X-Forwarded-For entry as an address: some proxies add a port (`1.2.3.4:5678`, `[2001:db8::1]:443`). */
function forwardedAddress(entry: string): string | undefined {
  let value = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) value = bracketed[1]!;
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(':'));
  const normalized = normalizeAddress(value);
  return familyOf(normalized) ? normalized : undefined;
}

/**
 * The sender's address. Without trusted proxies (the default) it is the TCP peer and X-Forwarded-For
 * is ignored, since anyone can send that header. With `trustedProxies` = n, the nearest n hops (the
 * TCP peer and the last n-1 X-Forwarded-For entries) are this deployment's own proxies, and the
 * client is the entry before them. n must be the real number of proxies: with more, a sender could
 * choose its own address. An unparsable entry gives undefined, which no allowlist allows.
 */
export function senderAddress(
  req: Pick<IncomingMessage, 'headers' | 'socket'>,
  trustedProxies = 0,
): string | undefined {
  const peer = req.socket?.remoteAddress;
  const normalizedPeer = peer === undefined ? undefined : normalizeAddress(peer);
  if (trustedProxies <= 0) return normalizedPeer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  // Farthest first; the peer is the nearest hop, just after the last entry. With fewer entries than
  // proxies, every entry was written by a trusted proxy, so the farthest is still trustworthy.
  if (forwarded.length === 0) return normalizedPeer;
  const index = forwarded.length - trustedProxies;
  return forwardedAddress(forwarded[Math.max(0, index)]!);
}
