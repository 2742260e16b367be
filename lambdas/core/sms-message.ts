/**
 * The login SMS: template per destination country, the autofill lines phones read, and what the
 * message costs in SMS segments. Pure, so every route that texts a code renders it the same way.
 */
import { OTP_DIGITS } from './otp-code.js';

/** `SMS_TEMPLATE` and `SMS_TEMPLATES`. */
export interface SmsTemplates {
  /** For countries without a template of their own. */
  readonly default: string;
  /** By ISO 3166 alpha-2 code of the destination number. */
  readonly byCountry: ReadonlyMap<string, string>;
}

/** `ANDROID_APP_HASH` and `WEB_OTP_DOMAIN`. */
export interface SmsAutofill {
  /** The 11-character app hash Android's SMS Retriever API matches, on its own line. */
  readonly androidAppHash?: string | undefined;
  /** Makes the last line `@<domain> #<code>`: the origin-bound format iOS, Android keyboards and WebOTP read. */
  readonly webOtpDomain?: string | undefined;
}

/** SMS Retriever reads only messages of at most 140 bytes: one SMS's payload. */
export const AUTOFILL_MAX_BYTES = 140;

/** Fills in `{code}` and `{minutes}` (the lifetime in whole minutes, at least 1). */
export function renderSms(template: string, code: string, ttlSeconds: number): string {
  const minutes = String(Math.max(1, Math.round(ttlSeconds / 60)));
  return template.replaceAll('{code}', code).replaceAll('{minutes}', minutes);
}

/** The template for a destination country: its own, else the default. */
export function templateFor(templates: SmsTemplates, country: string | undefined): string {
  return (country && templates.byCountry.get(country)) || templates.default;
}

/**
 * The whole message to a number of `country`: its template filled in, then the Android app hash on
 * a line of its own, then `@<domain> #<code>`, which must be the last line.
 */
export function renderOtpSms(
  templates: SmsTemplates,
  country: string | undefined,
  code: string,
  ttlSeconds: number,
  autofill: SmsAutofill,
): string {
  return composeOtpSms(templateFor(templates, country), code, ttlSeconds, autofill);
}

function composeOtpSms(template: string, code: string, ttlSeconds: number, autofill: SmsAutofill): string {
  const lines = [renderSms(template, code, ttlSeconds)];
  if (autofill.androidAppHash) lines.push(autofill.androidAppHash);
  if (autofill.webOtpDomain) lines.push(`@${autofill.webOtpDomain} #${code}`);
  return lines.join('\n');
}

// GSM 03.38: the basic character set (one septet each) and its extension table (an escape plus one).
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM7_EXTENSION = new Set('\f^{}\\[~]|€');

export interface SmsSize {
  /** GSM-7 when every character is in the GSM 03.38 alphabet, otherwise UCS-2. */
  readonly encoding: 'GSM-7' | 'UCS-2';
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  readonly units: number;
  /** Bytes as the SMS carries them: 7 bits per septet, 2 bytes per code unit. */
  readonly bytes: number;
  /** Parts billed: one of 160 septets / 70 units, or parts of 153 / 67 once concatenated. */
  readonly segments: number;
}

/** What a message costs to send. */
export function smsSize(message: string): SmsSize {
  const characters = [...message];
  if (characters.every((c) => GSM7_BASIC.has(c) || GSM7_EXTENSION.has(c))) {
    const costs = characters.map((c) => (GSM7_EXTENSION.has(c) ? 2 : 1));
    const units = costs.reduce((a, b) => a + b, 0);
    return { encoding: 'GSM-7', units, bytes: Math.ceil((units * 7) / 8), segments: segmentsOf(costs, 160, 153) };
  }
  // A surrogate pair (an emoji) takes two units and is never split across parts.
  const costs = characters.map((c) => c.length);
  const units = costs.reduce((a, b) => a + b, 0);
  return { encoding: 'UCS-2', units, bytes: units * 2, segments: segmentsOf(costs, 70, 67) };
}

// Concatenated parts give up room to their header; an escape pair or surrogate pair never straddles two.
function segmentsOf(costs: readonly number[], single: number, part: number): number {
  const total = costs.reduce((a, b) => a + b, 0);
  if (total <= single) return 1;
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > part) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return segments;
}

export interface SmsTemplateReport extends SmsSize {
  /** `SMS_TEMPLATE`, or `SMS_TEMPLATES.<country>`. */
  readonly name: string;
  /** Why the template cannot be used, if it cannot. */
  readonly problem?: string;
}

/**
 * Each template with the name of the setting it came from (`SMS_TEMPLATE`, `SMS_TEMPLATES.IN`), for
 * the start-up report of what each costs.
 */
export function namedTemplates(
  templates: SmsTemplates,
  defaultSetting: string,
  byCountrySetting: string,
): [string, string][] {
  return [
    [defaultSetting, templates.default],
    ...[...templates.byCountry].map(([country, template]): [string, string] => [
      `${byCountrySetting}.${country}`,
      template,
    ]),
  ];
}

/**
 * Every template as it will be sent (a code of `OTP_DIGITS` digits, this lifetime, these autofill
 * lines): its size, and a problem when a placeholder is missing or autofill is on and the message
 * would exceed {@link AUTOFILL_MAX_BYTES}.
 */
export function reportSmsTemplates(
  templates: SmsTemplates,
  ttlSeconds: number,
  autofill: SmsAutofill,
): SmsTemplateReport[] {
  const named = namedTemplates(templates, 'SMS_TEMPLATE', 'SMS_TEMPLATES');
  const autofillOn = Boolean(autofill.androidAppHash || autofill.webOtpDomain);
  return named.map(([name, template]) => {
    const size = smsSize(composeOtpSms(template, '0'.repeat(OTP_DIGITS), ttlSeconds, autofill));
    const problem = !template.includes('{code}')
      ? 'must contain {code}'
      : autofillOn && size.bytes > AUTOFILL_MAX_BYTES
        ? `is ${size.bytes} bytes (${size.units} ${size.encoding} ${size.encoding === 'GSM-7' ? 'characters' : 'code units'}) with its autofill lines; SMS Retriever reads at most ${AUTOFILL_MAX_BYTES}`
        : undefined;
    return { name, ...size, ...(problem ? { problem } : {}) };
  });
}
