import { describe, expect, it } from 'vitest';
import { maskPhoneNumber } from '../../lambdas/core/phone.js';
import { redact } from '../../lambdas/http/telemetry.js';

describe('redact', () => {
  it.each([
    ['an E.164 number', '+919876543210', '+91******3210'],
    ['an E.164 number written with spaces and hyphens', '+1 201-555-0123', '+1******0123'],
    [
      'an E.164 number in a sentence',
      'provider refused the message to +919876543210.',
      'provider refused the message to +91******3210.',
    ],
    ['a tel: URI', 'tel:+442079460958', 'tel:+44******0958'],
    ['a national number', 'to 9876543210', 'to ******3210'],
    ['a North American number with parentheses', '(201) 555-0123', '******0123'],
    ['a hyphenated national number', '201-555-0123', '******0123'],
    ['an E.164 number without its +', '919876543210', '********3210'],
    ['a six-digit code', '123456', '******'],
    ['a code in a sentence', 'Your login code is 042424.', 'Your login code is ******.'],
    ['a code after a colon', 'otp:123456', 'otp:******'],
    [
      'a number and a code in JSON',
      '{"phone":"+919876543210","otp":"123456"}',
      '{"phone":"+91******3210","otp":"******"}',
    ],
    ['a number run into a code', '+919876543210 123456', '+************ ******'],
    ['a number in a URL path', 'http://localhost:8000/users/9876543210', 'http://localhost:8000/users/******3210'],
    ['epoch seconds, which read like a national number', 'at 1750000000', 'at ******0000'],
    [
      'a 7-digit local number, the shortest one masked as a number, with at least half masked (and as +55 1234 would be)',
      'call 5551234',
      'call *****34',
    ],
    ['a Tokelau number, whose 4 national digits are shown as 1', 'to +6907290 failed', 'to +690***0 failed'],
    ['a Falklands number written with a space, 2 of its 5 digits shown', 'to +500 51234 failed', 'to +500***34 failed'],
    ['a 15-digit E.164 number, the longest there is', '+123456789012345', '+1**********2345'],
    ['16 digits, more than any number has, masked whole', '+1234567890123456', '+****************'],
    [
      'a number written right after a clock time, with the digits the time shares a run with',
      'at 10:00 9876543210',
      'at 10:********3210',
    ],
    ['the characters it uses as markers, so none can be smuggled in', 'a\uE000b\uE001c', 'a\uFFFDb\uFFFDc'],
  ])('masks %s', (_case, text, masked) => {
    expect(redact(text)).toBe(masked);
  });

  it.each([
    ['an IPv4 address and port', '127.0.0.1:40225'],
    ['a refused IPv4 connection', 'connect ECONNREFUSED 127.0.0.1:40225'],
    ['a refused IPv6 connection', 'connect ECONNREFUSED ::1:8000'],
    ['a bracketed IPv6 address and port', 'connect ETIMEDOUT [2001:db8::1]:8000'],
    ['a full IPv6 address', '2001:0db8:85a3:0000:0000:8a2e:0370:7334'],
    ['a local endpoint', 'http://localhost:8000'],
    ['an AWS endpoint', 'getaddrinfo ENOTFOUND dynamodb.eu-west-1.amazonaws.com:443'],
    ['an ISO timestamp', '2026-11-25T22:21:35.123Z'],
    ['an ISO timestamp with an offset', '2026-11-25 22:21:35+05:30'],
    ['a clock time', 'at 10:00:00'],
    ['a UUID request id', 'RequestId: 6f1c2b3a-1234-4d5e-9f00-123456789012'],
    ['a UUID request id that starts with eight digits', 'RequestId: 12345678-1234-4d5e-9f00-123456789012'],
    ['a date without a time', 'expires on 2026-11-25'],
    [
      'timestamps with nanoseconds and an offset, as Java and .NET write them',
      'at 2026-11-25T22:21:35.123456789+00:00 and 2026-11-25 22:21:35,1234567 +0530',
    ],
    ['IPv4 addresses with octets of every width', 'from 203.0.113.7 via 255.255.255.255 and 249.250.199.100'],
    ['an IPv4 address ending in an octet from 200 to 249', 'from 192.168.1.234'],
    ['more than ten things it keeps in one text', Array.from({ length: 12 }, (_, i) => `10.0.0.${i}`).join(', ')],
    ['a DynamoDB request id', 'QOQ6QV6V0EJL4KTE1JA3DBUIUBVV4KQNSO5AEMVJF66Q9ASUAAJG'],
    [
      'an ARN with its account id',
      'User: arn:aws:sts::123456789012:assumed-role/otp-login-verify/x is not authorized on arn:aws:dynamodb:eu-west-1:123456789012:table/otp-login',
    ],
    ['a stack frame', 'at handle (file:///var/task/index.mjs:1:23456)'],
    ['a timeout in milliseconds', 'the request socket timed out after 30000 ms of inactivity'],
    ['an HTTP status and attempt count', 'status 503 after 3 attempts'],
    ['a version', 'aws-sdk-js/3.1169.0'],
    ['a short number with a +', 'retry +1 s'],
  ])('keeps %s readable', (_case, text) => {
    expect(redact(text)).toBe(text);
  });

  it.each(['+919876543210', '+12015550123', '+442079460958', '+79161234567', '+8613800138000', '+353861234567'])(
    'masks %s as maskPhoneNumber does, so a number reads the same in every log line',
    (e164) => {
      expect(redact(e164)).toBe(maskPhoneNumber(e164));
    },
  );
});

describe('redact, a short number written without its +', () => {
  it.each([
    ['50051234', '******34'], // +500 51234 (Falklands): 2 of its 5 national digits, as +500***34 shows
    ['500 51234', '******34'],
    ['0050051234', '********34'],
    ['6907290', '******0'], // +690 7290 (Tokelau): 1 of its 4, as +690***0 shows
  ])('shows no more of %j than the number with its + would', (text, masked) => {
    expect(redact(text)).toBe(masked);
  });
});

describe('redact, next to a colon', () => {
  it.each([
    ['(201) 555-0123: x', '******0123: x'],
    ['201-555-0123:9', '******0123:9'],
    ['+1 201-555-0123:', '+1******0123:'],
    ['+44 20 7946 0958:', '+44******0958:'],
    ['x:555-0123', 'x:*****23'],
    ['98.765.432.10', '******3210'],
  ])('still masks the number in %j: a port keeps only digits that stand alone', (text, masked) => {
    expect(redact(text)).toBe(masked);
  });

  it.each(['127.0.0.1:40225', 'connect ECONNREFUSED ::1:8000', 'at 12:30:45', 'file.ts:10:5', '10.0.0.255'])(
    'keeps %j readable',
    (text) => {
      expect(redact(text)).toBe(text);
    },
  );
});
