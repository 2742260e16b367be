import * as v from 'valibot';
import { AuthError } from '../core/errors.js';

// Field shapes only; the phone number's content is judged by the core (invalid_phone_number).
export const SendOtpBody = v.object({ phone_number: v.string() });
// How long a code is, and so what shape it has, is the core's rule (isWellFormedCode).
export const VerifyOtpBody = v.object({ phone_number: v.string(), otp: v.string() });
export const RefreshBody = v.object({ refresh: v.string() });
// `all: true` signs out every session of the user; absent or false, only this one.
export const LogoutBody = v.object({ refresh: v.string(), all: v.optional(v.boolean()) });

/** Validates a parsed body, answering `invalid_request` for any missing field or wrong type. */
export function parseBody<TSchema extends v.GenericSchema>(schema: TSchema, body: unknown): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, body);
  if (!result.success) throw new AuthError('invalid_request');
  return result.output;
}
