/**
 * Masking for logs, apart from phone.ts so that code which only masks (the redaction of error text in
 * every function) does not bundle libphonenumber and its metadata.
 */

/** `+919876543210` -> `+91******3210`: enough to correlate log lines, never enough to dial. */
export function maskPhoneNumber(e164: string, callingCode?: string): string {
  const code = callingCode ?? guessCallingCode(e164);
  const national = e164.slice(1 + code.length);
  const visible = national.slice(-4);
  return `+${code}${'*'.repeat(Math.max(0, national.length - visible.length))}${visible}`;
}

// Masking must never fail or reveal more than intended, even for odd input: assume a 1-3 digit code.
function guessCallingCode(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  if (digits.startsWith('1') || digits.startsWith('7')) return digits.slice(0, 1);
  return digits.slice(0, Math.min(2, Math.max(0, digits.length - 6)));
}
