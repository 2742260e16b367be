import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import { parseStackConfig, type SmsProvider } from '../../lambdas/config.js';
import { COUNTRY_DIMENSION, METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../../lambdas/http/metric-names.js';
import type { OtpAlarmThresholds } from './alarm-thresholds.js';

/** Share of the monthly SMS budget at which the spend alarm fires. */
export const SMS_SPEND_ALARM_SHARE = 0.8;

/**
 * Each provider's account-wide month-to-date SMS spend, in US dollars. SNS publishes
 * `SMSMonthToDateSpentUSD`; End User Messaging SMS publishes `TextMessageMonthlySpend` as an account
 * metric (the console shows it under SMSVoice), and only once its service-linked role
 * AWSServiceRoleForSMSVoice exists.
 */
export const SMS_SPEND_METRICS: Record<SmsProvider, { namespace: string; metricName: string }> = {
  sns: { namespace: 'AWS/SNS', metricName: 'SMSMonthToDateSpentUSD' },
  'end-user-messaging': { namespace: 'AWS/SMSVoice', metricName: 'TextMessageMonthlySpend' },
};

export type { OtpAlarmThresholds };

export interface OtpAlarmsProps {
  readonly httpApi: IHttpApi;
  /**
   * The `service` dimension the functions publish their metrics under (`POWERTOOLS_SERVICE_NAME`):
   * one per instance, so that two instances in an account do not alarm on each other's traffic.
   * @default 'otp-login'
   */
  readonly serviceName?: string;
  readonly rotationFunction: IFunction;
  readonly thresholds?: OtpAlarmThresholds;
  /**
   * The countries `SEND_MAX_PER_COUNTRY_PER_HOUR` names: each gets an alarm of its own. Countries
   * under `*` are known only at run time, and an alarm cannot watch a metric SEARCH, so they share
   * the alarm on all countries (the metric's `country` dimension says which one in the console).
   * @default - none
   */
  readonly budgetedCountries?: readonly string[];
  /**
   * `-c smsMonthlyBudgetUsd`: an alarm when the account's SMS spend this month, on the provider the
   * stack sends through, reaches 80% of it. @default - no spend alarm
   */
  readonly smsSpend?: { readonly monthlyBudgetUsd: number; readonly provider: SmsProvider };
  /** The account events pipe: its dead-letter queue and its enrichment function. @default - no events alarms */
  readonly accountEvents?: { readonly deadLetterQueue: IQueue; readonly enrichmentFunction: IFunction };
  /** A claims hook is configured: alarm on its failures. @default false */
  readonly claimsHook?: boolean;
  /** Where alarms notify, e.g. an SNS topic action. @default - none; alarms only show in the console */
  readonly alarmActions?: readonly IAlarmAction[];
}

/** CloudWatch alarms on the functions' custom metrics and on the API's 5xx answers. */
export class OtpAlarms extends Construct {
  readonly smsFailed: Alarm;
  readonly smsPumpingVolume: Alarm;
  readonly smsPumpingVerifiedShare: Alarm;
  readonly api5xx: Alarm;
  readonly rotationErrors: Alarm;
  readonly refreshTokenReuse: Alarm;
  /** Some country's hourly SMS budget is spent: every further send to it is refused until the hour ends. */
  readonly countryBudgetSpent: Alarm;
  /** One per country named in `SEND_MAX_PER_COUNTRY_PER_HOUR`. */
  readonly countryBudgetSpentIn: Readonly<Record<string, Alarm>>;
  /** The account's SMS spend this month reached 80% of `smsMonthlyBudgetUsd`. */
  readonly smsSpend: Alarm | undefined;
  /** A deletion or number move left refresh families behind (deleting them failed). */
  readonly sessionCleanupFailed: Alarm;
  /** A deleted account's passkey item was left behind (deleting it failed); nothing expires it. */
  readonly passkeyCleanupFailed: Alarm;
  /** Account events failed to reach the bus: their stream records' metadata are in the dead-letter queue. */
  readonly accountEventsUndelivered: Alarm | undefined;
  /** The account events enrichment failed a batch (the pipe retries it, then dead-letters it). */
  readonly accountEventsEnrichmentErrors: Alarm | undefined;
  /** The claims hook is failing: logins, number changes and refreshes answer 503 (only with a hook). */
  readonly claimsHookFailed: Alarm | undefined;

  constructor(scope: Construct, id: string, props: OtpAlarmsProps) {
    super(scope, id);
    const t = props.thresholds ?? {};
    const service = props.serviceName ?? SERVICE_NAME;
    const metric = (name: string, period: Duration, dimensions?: Record<string, string>) =>
      otpMetric(service, name, period, dimensions);
    const fiveMinutes = Duration.minutes(5);
    const hour = Duration.hours(1);

    this.smsFailed = new Alarm(this, 'SmsFailed', {
      alarmDescription: 'SMS sends are failing: users cannot receive login codes.',
      metric: metric(METRIC.smsFailed, fiveMinutes),
      threshold: t.smsFailedPer5Minutes ?? 5,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.smsPumpingVolume = new Alarm(this, 'SmsPumpingVolume', {
      alarmDescription:
        'Unusually many SMS (codes and number-change notices) sent within an hour: possible SMS pumping (toll fraud).',
      // Every SMS the service sends: the notice to a number an account left is an SMS too.
      metric: new MathExpression({
        expression: 'FILL(sent, 0) + FILL(notices, 0)',
        usingMetrics: {
          sent: metric(METRIC.sent, hour),
          notices: metric(METRIC.numberChangedNoticeSent, hour),
        },
        period: hour,
        label: 'SMS sent',
      }),
      threshold: t.otpSentPerHour ?? parseStackConfig({}).smsVolumeAlarmPerHour,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    const minSends = t.minSendsToJudgeShare ?? 50;
    this.smsPumpingVerifiedShare = new Alarm(this, 'SmsPumpingVerifiedShare', {
      alarmDescription:
        'Few of the login codes sent this hour were verified: codes are going to numbers nobody reads, the signature of SMS pumping.',
      metric: new MathExpression({
        // Below the minimum volume the share counts as 1, so quiet hours never alarm.
        expression: `IF(FILL(sent, 0) >= ${minSends}, FILL(verified, 0) / sent, 1)`,
        usingMetrics: {
          sent: metric(METRIC.sent, hour),
          verified: metric(METRIC.verified, hour),
        },
        period: hour,
        label: 'Verified share of sent codes',
      }),
      threshold: t.minVerifiedShare ?? 0.2,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.api5xx = new Alarm(this, 'Api5xx', {
      alarmDescription: 'The login API is answering 5xx.',
      metric: props.httpApi.metricServerError({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: t.api5xxPer5Minutes ?? 5,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // A failed rotation leaves the old key signing past its planned life; Secrets Manager retries silently.
    this.rotationErrors = new Alarm(this, 'KeyRotationErrors', {
      alarmDescription: 'The signing-key rotation function failed.',
      metric: props.rotationFunction.metricErrors({ period: hour, statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // The session is already revoked by then; someone should find out how the token was taken.
    this.refreshTokenReuse = new Alarm(this, 'RefreshTokenReuse', {
      alarmDescription:
        'A spent refresh token was presented and its session revoked: a stolen token, or a client replaying old tokens.',
      metric: metric(METRIC.refreshReuse, fiveMinutes),
      threshold: t.refreshTokenReusePer5Minutes ?? 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // Account deletion is a store rule: no item may keep the user's id. The answer was already 204 (or
    // 200 after a move) and the families are ended, so only this alarm tells anyone they are still
    // there, e.g. when the byUser index Query is denied after an IAM change. One is enough.
    this.sessionCleanupFailed = new Alarm(this, 'SessionCleanupFailed', {
      alarmDescription:
        'A deleted or moved account left refresh-token families behind: deleting them failed (see the function log "ended sessions left for TTL"). Account deletion must leave no item holding the user id; find the cause and delete them.',
      metric: metric(METRIC.sessionCleanupFailed, fiveMinutes),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // The same rule for the passkey item, and more pressing: no TTL ever removes it. It signs nobody
    // in (a sign-in checks its user holds the number), but it keeps the deleted user's keys and names.
    this.passkeyCleanupFailed = new Alarm(this, 'PasskeyCleanupFailed', {
      alarmDescription:
        'A deleted account left its passkey item behind: deleting it failed (see the function log "passkeys left after account deletion", which names the user). Nothing expires it; remove it with npm run users -- passkeys remove <user id> --all.',
      metric: metric(METRIC.passkeyCleanupFailed, fiveMinutes),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    if (props.accountEvents) {
      const { deadLetterQueue, enrichmentFunction } = props.accountEvents;
      // Each message is a batch of changes whose events were never published, and the stream keeps
      // the records themselves only 24 hours: the first one matters.
      this.accountEventsUndelivered = new Alarm(this, 'AccountEventsUndelivered', {
        alarmDescription:
          "Account events failed to reach the event bus after every retry: the dead-letter queue holds the stream records' shard and sequence numbers (not the changes). The stream keeps the records 24 hours: read them and republish within that time (docs/events.md).",
        metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      // Before the dead letters: a failing batch is retried for hours, and every event after it in its shard waits.
      this.accountEventsEnrichmentErrors = new Alarm(this, 'AccountEventsEnrichmentErrors', {
        alarmDescription:
          'The account events enrichment function failed a batch of stream records: the pipe retries it and holds back the later changes of its shard, then dead-letters it. See the function log.',
        metric: enrichmentFunction.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }

    const budgetSpent = (id: string, description: string, metric: Metric) =>
      new Alarm(this, id, {
        alarmDescription: description,
        metric,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    this.countryBudgetSpent = budgetSpent(
      'CountryBudgetSpent',
      "A country's hourly SMS budget (SEND_MAX_PER_COUNTRY_PER_HOUR) is spent: sends to it are refused until the hour ends. SMS pumping, or a budget set too low.",
      metric(METRIC.countryBudgetSpent, fiveMinutes),
    );
    const byCountry: Record<string, Alarm> = {};
    for (const country of props.budgetedCountries ?? []) {
      byCountry[country] = budgetSpent(
        `CountryBudgetSpent${country}`,
        `The hourly SMS budget of ${country} (SEND_MAX_PER_COUNTRY_PER_HOUR) is spent: sends to ${country} are refused until the hour ends.`,
        metric(METRIC.countryBudgetSpent, fiveMinutes, { [COUNTRY_DIMENSION]: country }),
      );
    }
    this.countryBudgetSpentIn = byCountry;

    if (props.smsSpend) {
      const { monthlyBudgetUsd, provider } = props.smsSpend;
      this.smsSpend = new Alarm(this, 'SmsMonthlySpend', {
        alarmDescription: `SMS spend this month (${provider}, whole account and region) reached ${SMS_SPEND_ALARM_SHARE * 100}% of the ${monthlyBudgetUsd} USD budget: SMS pumping, or growth the budget must follow.`,
        // Month to date, so the highest value of the hour is the current one.
        metric: new Metric({ ...SMS_SPEND_METRICS[provider], statistic: 'Maximum', period: hour }),
        threshold: Math.round(monthlyBudgetUsd * SMS_SPEND_ALARM_SHARE * 100) / 100,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // Missing, not breaching: End User Messaging publishes its spend only once the service-linked
        // role AWSServiceRoleForSMSVoice exists, so "not breaching" showed OK for ever on an account
        // without it. Missing shows INSUFFICIENT_DATA, which says we do not know. Not breaching either:
        // AWS does not say the spend is published in hours without sends, and a quiet night would
        // then page as overspent.
        treatMissingData: TreatMissingData.MISSING,
      });
    }

    // Fail closed means a broken hook is an outage of every login and refresh, not a degraded answer.
    this.claimsHookFailed = props.claimsHook
      ? new Alarm(this, 'ClaimsHookFailed', {
          alarmDescription:
            'The claims hook is failing (threw, timed out, answered badly, a reserved claim or over 2 KB; the function log "claims hook failed" says which): logins, number changes and refreshes answer 503 until it recovers.',
          metric: metric(METRIC.claimsHookFailed, fiveMinutes),
          threshold: t.claimsHookFailedPer5Minutes ?? 5,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        })
      : undefined;

    for (const alarm of [
      ...(this.smsSpend ? [this.smsSpend] : []),
      ...(this.claimsHookFailed ? [this.claimsHookFailed] : []),
      this.countryBudgetSpent,
      ...Object.values(byCountry),
      this.smsFailed,
      this.smsPumpingVolume,
      this.smsPumpingVerifiedShare,
      this.api5xx,
      this.rotationErrors,
      this.refreshTokenReuse,
      this.sessionCleanupFailed,
      this.passkeyCleanupFailed,
      ...(this.accountEventsUndelivered ? [this.accountEventsUndelivered] : []),
      ...(this.accountEventsEnrichmentErrors ? [this.accountEventsEnrichmentErrors] : []),
    ]) {
      alarm.addAlarmAction(...(props.alarmActions ?? []));
    }
  }
}

function otpMetric(
  service: string,
  metricName: string,
  period: Duration,
  dimensions: Record<string, string> = {},
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service, ...dimensions },
    statistic: 'Sum',
    period,
  });
}
