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

  it('counts a multi-digit dotted IPv4 tail as the IPv4 address it spells', () => {
    expect(rateLimitKeyForIp('::ffff:10.200.30.40')).toBe('10.200.30.40');
    expect(rateLimitKeyForIp('::ffff:192.168.100.254')).toBe('192.168.100.254');
  });

  it('counts an IPv4-mapped address with a zone id as the IPv4 address', () => {
    expect(rateLimitKeyForIp('::ffff:1.2.3.4%eth0')).toBe('1.2.3.4');
  });

  it('counts ::ffff:0:0/96 only, not any address with ffff in its sixth group, as IPv4', () => {
    expect(rateLimitKeyForIp('2001:db8::ffff:102:304')).toBe('2001:0db8:0000:0000::/64');
    expect(rateLimitKeyForIp('2001:db8::ffff:1.2.3.4')).toBe('2001:0db8:0000:0000::/64');
  });

  it('counts the loopback and other addresses with a zero prefix per /64, not as IPv4', () => {
    expect(rateLimitKeyForIp('::1')).toBe('0000:0000:0000:0000::/64');
    expect(rateLimitKeyForIp('::2:3')).toBe('0000:0000:0000:0000::/64');
  });

  it('puts the groups after :: where they belong when the gap is one group wide', () => {
    expect(rateLimitKeyForIp('1::2:3:4:5:6:7')).toBe('0001:0000:0002:0003::/64');
    expect(rateLimitKeyForIp('1:2::3:4:5:6:7')).toBe('0001:0002:0000:0003::/64');
  });

  it('ignores surrounding whitespace', () => {
    expect(rateLimitKeyForIp(' 203.0.113.7 ')).toBe('203.0.113.7');
    expect(rateLimitKeyForIp(' 2001:db8:1:2::1\n')).toBe('2001:0db8:0001:0002::/64');
  });
});
