import { Token } from 'aws-cdk-lib';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IHostedZone } from 'aws-cdk-lib/aws-route53';
import { isHostName } from '../../lambdas/config.js';
import { ROUTES } from '../../lambdas/http/routes.js';

/** The custom domain the API is served on, and so the issuer of its tokens. */
export interface OtpApiDomain {
  /**
   * The host name, lower case, without scheme or path: `auth.example.com`. The issuer becomes
   * `https://<name>` (plus `/<basePath>`), which stays the same when the stack is replaced or moves
   * region, as every installed app and every API that checks `iss` needs.
   */
  readonly name: string;
  /** A certificate for `name` in ACM, in the stack's own region (a regional API endpoint). */
  readonly certificate: ICertificate;
  /**
   * The Route 53 zone holding `name`: an alias A and AAAA record to the API are created in it.
   * @default - no record: point `name` at the domain's regional target yourself (stack output `DomainTarget`)
   */
  readonly hostedZone?: IHostedZone;
  /**
   * One path segment the API is mapped under (`auth`: `https://auth.example.com/auth/send-otp`),
   * when the domain serves other APIs too.
   * @default - the API is the domain's root
   */
  readonly basePath?: string;
  /**
   * Keep serving the API on its `execute-api` URL too, for a deployment that adds a domain while
   * installed apps still call that URL: they keep working (and refreshing, now getting tokens issued
   * by the domain) until their users update. Turn it off again once they have: while it is on, the
   * API has a second address that skips whatever fronts the domain.
   * @default false
   */
  readonly keepExecuteApiEndpoint?: boolean;
}

/** The first path segment of every route: a base path equal to one would be mistaken for the route. */
const ROUTE_SEGMENTS = new Set(ROUTES.map((route) => route.path.split('/')[1] ?? '').filter(Boolean));

// What API Gateway takes as an API mapping key, one segment.
const BASE_PATH = /^[A-Za-z0-9$\-_.+!*'()]{1,128}$/;

/** Why a domain cannot be used, or undefined. */
export function apiDomainProblem(domain: Pick<OtpApiDomain, 'name' | 'basePath'>): string | undefined {
  if (!Token.isUnresolved(domain.name) && !isHostName(domain.name)) {
    return `domain.name must be a lower-case host name such as auth.example.com (no scheme, path or port), got "${domain.name}"`;
  }
  if (domain.basePath !== undefined && (!BASE_PATH.test(domain.basePath) || /^\.+$/.test(domain.basePath))) {
    return `domain.basePath must be one path segment of letters, digits and $-_.+!*'() without slashes (and not . or ..), got "${domain.basePath}"`;
  }
  if (domain.basePath !== undefined && ROUTE_SEGMENTS.has(domain.basePath)) {
    return `domain.basePath must not be the first segment of a route (${[...ROUTE_SEGMENTS].join(', ')}): the functions take it off the path, and would take it off that route's path too, got "${domain.basePath}"`;
  }
  return undefined;
}

/** The issuer, and base URL, of an API served on this domain. */
export function domainIssuer(domain: Pick<OtpApiDomain, 'name' | 'basePath'>): string {
  return `https://${domain.name}${domain.basePath ? `/${domain.basePath}` : ''}`;
}
