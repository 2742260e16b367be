import { describe, expect, it } from 'vitest';
import { rateLimitKeyForIp } from '../../lambdas/core/client-ip.js';

describe('rateLimitKeyForIp', () => {
  it('counts an IPv4 address as itself', () => {
    expect(rateLimitKeyForIp('203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts IPv6 addresses in one /64 under one key', () => {
    expect(rateLimitKeyForIp('2001:db8:1:2::1')).toBe('2001:0db8:0001:0002::/64');
    expect(rateLimitKeyForIp('2001:db8:1:2:ffff::9')).toBe(rateLimitKeyForIp('2001:db8:1:2::1'));
  });

  it('counts different /64s under different keys', () => {
    expect(rateLimitKeyForIp('2001:db8:1:3::1')).not.toBe(rateLimitKeyForIp('2001:db8:1:2::1'));
    expect(rateLimitKeyForIp('2001:db8:2:2::1')).not.toBe(rateLimitKeyForIp('2001:db8:1:2::1'));
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(rateLimitKeyForIp('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(rateLimitKeyForIp('::FFFF:1.2.3.4')).toBe('1.2.3.4');
  });

  it.each([
    ['2001:db8:1:2::1', '2001:0db8:0001:0002:0000:0000:0000:0001'],
    ['2001:db8:1:2::1', '2001:DB8:1:2:0:0:0:1'],
    ['2001:db8::', '2001:0db8:0000:0000:0000:0000:0000:0000'],
    ['::1', '0:0:0:0:0:0:0:1'],
    ['64:ff9b::1.2.3.4', '64:ff9b:0:0:0:0:102:304'],
  ])('gives %s and %s one key', (compressed, uncompressed) => {
    expect(rateLimitKeyForIp(uncompressed)).toBe(rateLimitKeyForIp(compressed));
  });

  it.each(['0:0:0:0:0:ffff:1.2.3.4', '0000:0000:0000:0000:0000:ffff:0102:0304', '::ffff:102:304'])(
    'counts %s, another spelling of ::ffff:1.2.3.4, as 1.2.3.4',
    (spelling) => {
      expect(rateLimitKeyForIp(spelling)).toBe('1.2.3.4');
    },
  );

  it('ignores surrounding whitespace', () => {
    expect(rateLimitKeyForIp(' 203.0.113.7 ')).toBe('203.0.113.7');
    expect(rateLimitKeyForIp(' 2001:db8:1:2::1\n')).toBe('2001:0db8:0001:0002::/64');
  });
});
