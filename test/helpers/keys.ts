import {
  generateSigningKey,
  type KeySetDocument,
  planRotation,
  type RotationTiming,
  type StoredSigningKey,
} from '../../lambdas/core/signing-keys.js';

/** Publish a new key 2 h before it signs (API Gateway's JWKS cache), keep an old one a day. */
export const TEST_ROTATION_TIMING: RotationTiming = { publishLeadSeconds: 7_200, retainSeconds: 86_400 };

let generated: Promise<readonly [StoredSigningKey, StoredSigningKey]> | undefined;

/**
 * Two RSA keys generated once per test file: keygen costs ~100 ms, and a key's times are set
 * by the document built around it, so the same material can stand in for any rotation.
 */
export function testSigningKeys(): Promise<readonly [StoredSigningKey, StoredSigningKey]> {
  generated ??= Promise.all([generateSigningKey(0), generateSigningKey(0)]);
  return generated;
}

/** The document the first rotation writes at `at`: one key, signing from `at`. */
export async function firstKeySetDocument(at: number): Promise<KeySetDocument> {
  const [first] = await testSigningKeys();
  return planRotation(undefined, { ...first, createdAt: at, activatesAt: at }, at, TEST_ROTATION_TIMING);
}

/**
 * The document after a second rotation at `rotatedAt`: the first key (signing since `firstAt`)
 * plus a second one that signs from `rotatedAt + publishLeadSeconds`.
 */
export async function rotatedKeySetDocument(firstAt: number, rotatedAt: number): Promise<KeySetDocument> {
  const [, second] = await testSigningKeys();
  return planRotation(
    await firstKeySetDocument(firstAt),
    { ...second, createdAt: rotatedAt, activatesAt: rotatedAt },
    rotatedAt,
    TEST_ROTATION_TIMING,
  );
}
