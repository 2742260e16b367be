import { describe, expect, it } from 'vitest';
import { DEFAULT_SMS_TEMPLATE } from '../../lambdas/config.js';
import { renderSms } from '../../lambdas/core/login.js';

describe('renderSms', () => {
  it('renders the default template for a 5-minute code', () => {
    expect(renderSms(DEFAULT_SMS_TEMPLATE, '123456', 300)).toBe('Your code is 123456. It expires in 5 minutes.');
  });

  it('rounds the lifetime to whole minutes, and never below 1', () => {
    expect(renderSms('{minutes}', '123456', 90)).toBe('2');
    expect(renderSms('{minutes}', '123456', 30)).toBe('1');
    expect(renderSms('{minutes}', '123456', 3600)).toBe('60');
  });

  it('replaces every placeholder and keeps the rest of a custom template', () => {
    expect(renderSms('{code} is your code. @example.com #{code}', '004217', 300)).toBe(
      '004217 is your code. @example.com #004217',
    );
  });
});
