/**
 * Exit codes, as `terraform plan -detailed-exitcode`: runbooks switch on these.
 */
export const EXIT_CODES = {
  /** Compared completely, nothing to report (or a command that does not compare succeeded). */
  ok: 0,
  /** An error: bad input, no credentials, an endpoint that does not answer… Nothing was saved. */
  error: 1,
  /** Drift found, or parts of the estate could not be compared (`unknown` entries). */
  drift: 2,
} as const;

/** One of {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
