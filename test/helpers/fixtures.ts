import { randomInt } from 'node:crypto';

/**
 * Fixtures the tests and the bench share. No vitest import here: the bench runs outside vitest.
 */

/** A fresh, valid Indian mobile number (+91 98 and 8 random digits): a new record every time. */
export const randomPhoneNumber = (): string => `+9198${String(randomInt(100_000_000)).padStart(8, '0')}`;

/** A wrong code for a known right one: never equal to it. */
export const wrongCode = (right: string): string => (right === '000000' ? '111111' : '000000');
