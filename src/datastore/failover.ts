/**
 * The endpoint loop both etcd drivers share: try each endpoint in order, starting
 * at the one that answered last, within one overall timeout, and name every
 * endpoint that failed (and why) in one DatastoreError. What an attempt is (an HTTP
 * request, a gRPC call with its own timer) stays with each driver.
 */
import type {TlsMaterial} from './tls.js'
import {AttemptFailure, isFelixctlError, remaining, unreachableError} from './failures.js'

/** A failed attempt at one endpoint that should make us try the next one. */
export class AttemptError extends Error {
  constructor(
    readonly reason: string,
    readonly tls: boolean,
    readonly original?: unknown,
  ) {
    super(reason)
  }
}

export interface FailoverOptions {
  /** The endpoints as messages name them (URL hrefs), in the order given. */
  endpoints: readonly string[]
  /** Index of the endpoint to try first: the one that answered last. */
  preferred: number
  /** The bound on the whole operation, every endpoint included. */
  timeoutMs: number
  /** The TLS files in use, named by the final error when a handshake failed. */
  tls: TlsMaterial
  /** The reason for a failure that is not an AttemptError. */
  describe: (error: unknown, budgetMs: number) => {reason: string; tls: boolean}
}

/**
 * Run `attempt(index, budgetMs)` against each endpoint until one answers, and return
 * its result with the index of the endpoint that answered. What is left of the
 * timeout is shared between the endpoints not yet tried, so one endpoint that hangs
 * cannot eat the budget of the others (a refused one returns at once); endpoints
 * reached after the deadline are reported as not tried. Errors of our own classes
 * (FelixctlError) end the loop at once; any other error moves on to the next endpoint.
 */
export async function withFailover<T>(options: FailoverOptions, attempt: (index: number, budgetMs: number) => Promise<T>): Promise<{result: T; index: number}> {
  const {endpoints, preferred, timeoutMs, tls, describe} = options
  const deadline = Date.now() + timeoutMs
  const failures: AttemptFailure[] = []
  const n = endpoints.length
  let lastError: unknown
  for (let i = 0; i < n; i++) {
    const index = (preferred + i) % n
    const endpoint = endpoints[index]
    const left = remaining(deadline)
    if (left <= 0) {
      failures.push({endpoint, reason: 'not tried: the timeout had passed'})
      continue
    }
    const budget = Math.max(1, Math.floor(left / (n - i)))
    try {
      return {result: await attempt(index, budget), index}
    } catch (error) {
      if (isFelixctlError(error)) throw error
      lastError = error
      const failure = error instanceof AttemptError ? error : describe(error, budget)
      failures.push({endpoint, reason: failure.reason, tls: failure.tls})
    }
  }
  throw unreachableError(failures, tls, timeoutMs, lastError)
}
