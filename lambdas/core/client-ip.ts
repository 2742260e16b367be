import { isIPv6 } from 'node:net';

/**
 * The key a per-IP limit counts under. An IPv6 client usually controls a whole /64, so counting
 * single addresses would give it 2^64 budgets: IPv6 is counted per /64 prefix.
 */
export function rateLimitKeyForIp(ip: string): string {
  const address = ip.trim().toLowerCase();
  if (!isIPv6(address)) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped?.[1]) return mapped[1];
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  // A trailing dotted IPv4 part fills two groups.
  const dotted = address.includes('.') ? 1 : 0;
  const zeros = address.includes('::') ? Array(Math.max(0, 8 - left.length - right.length - dotted)).fill('0') : [];
  const groups = [...left, ...zeros, ...right].map((g) => g.padStart(4, '0'));
  return `${groups.slice(0, 4).join(':')}::/64`;
}
