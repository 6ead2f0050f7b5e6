/**
 * The exit code of a result: the one place that computes it (docs/exit-codes.md). Errors carry
 * their own code (src/errors.ts); a result that is itself a finding is printed first, and the
 * command then ends with the code computed here (FelixctlCommand.finish).
 */
import {ExitCode} from '../errors.js'

/** A result that found a problem (Felix would not start, a check failed, migrate refused or differs): 3, else 0. */
export function problemExit(found: boolean): 0 | 3 {
  return found ? ExitCode.check : ExitCode.ok
}

/**
 * A check's status. A check that could not look is not a pass: with the datastore unreadable
 * (config validate --allow-partial) it is 5; with nothing to look at (openstack check, none of
 * the files exists) it is 3.
 */
export function checkExit(status: 'ok' | 'failed' | 'not-checked', notChecked: 'datastore'): 0 | 3 | 5
export function checkExit(status: 'ok' | 'failed' | 'not-checked', notChecked: 'nothing-to-check'): 0 | 3
export function checkExit(status: 'ok' | 'failed' | 'not-checked', notChecked: 'datastore' | 'nothing-to-check'): 0 | 3 | 5 {
  if (status === 'ok') return ExitCode.ok
  if (status === 'not-checked' && notChecked === 'datastore') return ExitCode.datastore
  return ExitCode.check
}

/** `datastore status`: the datastore answered (or there is none to reach, DatastoreType kubernetes): 0, else 5. */
export function reachExit(reachable: boolean): 0 | 5 {
  return reachable ? ExitCode.ok : ExitCode.datastore
}

/**
 * Which code is "worst" when a result has parts (doctor), first to last (docs/exit-codes.md):
 * a bug; a cancelled prompt; a usage error (the run itself was wrong, so no other finding can be
 * trusted); the codes of a part that could not act or look (write refused, local I/O, datastore);
 * something named that does not exist; a check that looked and found problems; ok.
 */
export const EXIT_CODES_WORST_FIRST = [
  ExitCode.bug,
  ExitCode.cancelled,
  ExitCode.usage,
  ExitCode.writeRefused,
  ExitCode.localIo,
  ExitCode.datastore,
  ExitCode.notFound,
  ExitCode.check,
  ExitCode.ok,
] as const

/** The worst of the parts' codes, in the documented order (not the largest number). */
export function worstExit(codes: readonly number[]): number {
  const rank = (c: number) => {
    const i = (EXIT_CODES_WORST_FIRST as readonly number[]).indexOf(c)
    return i === -1 ? 0 : i // an unknown code is treated as a bug
  }
  return codes.reduce((worst, c) => (rank(c) < rank(worst) ? c : worst), ExitCode.ok as number)
}
