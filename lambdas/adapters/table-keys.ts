/**
 * Partition-key prefixes of the one table, declared once: the DynamoDB stores build keys from them
 * and the stack scopes each function's IAM grant to them (`dynamodb:LeadingKeys`).
 */
export const KEY_PREFIXES = {
  /** `PHONE#<e164>`: the user and every per-number limit. */
  phone: 'PHONE#',
  /** `IP#<ip>`: per-IP send windows. */
  ip: 'IP#',
  /** `FAM#<familyId>`: a refresh-token family. */
  family: 'FAM#',
  /** `JWKS#current`: the public signing keys, written by the key rotation, read by the JWKS endpoint. */
  jwks: 'JWKS#',
} as const;
