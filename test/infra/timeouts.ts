/**
 * How long an infra test (a synth, a bundle) may take. Alone each takes 1-6 s; on a busy 2-core
 * machine (load average 13-15, other suites running) the slowest took 52 s (deploy-asset-hashes),
 * 47 s (bundling), 35 s (cdk-nag) and 33 s (sms-provider), past vitest's 30 s default. About 4x the
 * slowest under that load, so only a hang fails.
 */
export const SYNTH_TIMEOUT_MS = 240_000;
