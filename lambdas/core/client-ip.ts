import { isIPv6 } from 'node:net';

/**
 * The key a per-IP limit counts under. An IPv6 client usually controls a whole /64, so counting
 * single addresses would give it 2^64 budgets: IPv6 is counted per /64 prefix. IPv4-mapped IPv6
 * addresses, in any spelling, count as the IPv4 address they carry.
 */
export function rateLimitKeyForIp(ip: string): string {
  const address = ip.trim().toLowerCase();
  if (!isIPv6(address)) return address;
  const groups = expandIPv6(address);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  const hex = groups.map((g) => g.toString(16).padStart(4, '0'));
  return `${hex.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function expandIPv6(address: string): number[] {
  const withoutZone = address.split('%')[0] ?? address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(withoutZone);
  const hexOnly = dotted
    ? withoutZone.replace(
        dotted[0],
        `${((Number(dotted[1]) << 8) | Number(dotted[2])).toString(16)}:${((Number(dotted[3]) << 8) | Number(dotted[4])).toString(16)}`,
      )
    : withoutZone;
  const [head = '', tail] = hexOnly.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => Number.parseInt(g, 16));
}
