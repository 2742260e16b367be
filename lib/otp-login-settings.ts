// PROVISIONAL STUB (replaced by the i18-props branch).
import type { ConfigName, Env } from '../lambdas/config.js';
export type OtpSettings = {};
export type SendLimitSettings = {};
export type SmsSettings = {};
export type TokenSettings = {};
export type KeySettings = {};
export type ApiThrottleSettings = {};
export type AlarmSettings = {};
export interface OtpLoginSettings {
  readonly audience?: string;
  readonly allowedOrigins?: readonly string[];
  readonly otp?: OtpSettings;
  readonly sendLimits?: SendLimitSettings;
  readonly sms?: SmsSettings;
  readonly tokens?: TokenSettings;
  readonly keys?: KeySettings;
  readonly throttle?: ApiThrottleSettings;
  readonly alarms?: AlarmSettings;
  readonly raw?: Env;
}
export function settingsFromProps(props: OtpLoginSettings): Partial<Record<ConfigName, string>> {
  return (props.raw ?? {}) as Partial<Record<ConfigName, string>>;
}
export function propsFromSettings(env: Env): OtpLoginSettings {
  return { raw: env };
}
