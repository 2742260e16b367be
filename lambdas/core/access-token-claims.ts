/**
 * The claims every access token carries (signAccessToken in tokens.ts writes them, `auth_time` and
 * `amr` whenever the session has them): the one list discovery's `claims_supported` serves and a
 * claims hook may never set. Its own file, so the discovery function need not import the signer's
 * library to list them.
 */
export const ACCESS_TOKEN_CLAIMS = [
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'jti',
  'auth_time',
  'amr',
  'phone_number',
  'token_use',
  'session_epoch',
] as const;
