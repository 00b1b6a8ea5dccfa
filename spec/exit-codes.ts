/**
 * Process exit codes, distinct per outcome so CI can tell them apart.
 * Documented in the README; never renumbered.
 */
export const EXIT = {
  /** Everything ran and passed (skipped and waived scenarios do not fail a run). */
  PASSED: 0,
  /** At least one scenario failed: the broker broke an expectation. */
  FAILED: 1,
  /** Invalid input: a scenario, target, profile or config file, or the command line. */
  INVALID_INPUT: 2,
  /** The target could not be reached (nothing listening, TLS handshake refused...). */
  TARGET_UNREACHABLE: 3,
  /** A load run finished but its thresholds failed. */
  THRESHOLDS_FAILED: 4,
  /** At least one scenario errored: the harness could not run it to a verdict. */
  ERRORED: 5,
  /** A bug in mqtt-harness itself. */
  INTERNAL_ERROR: 70,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]
