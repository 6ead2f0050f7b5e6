import {UsageError} from '../errors.js'
import {MAX_ETCD_TIMEOUT_MS, parseDuration} from './config-flags.js'

/** `--for DURATION` (config watch): milliseconds, or undefined when not given. */
export function forFlagMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const ms = parseDuration(text)
  if (ms === null || ms <= 0 || ms > MAX_ETCD_TIMEOUT_MS) throw new UsageError(`--for ${JSON.stringify(text)} is not a duration of at most 1h`, {hint: 'write it as 30s, 1500ms, 10m or 1h'})
  return ms
}

/**
 * A signal for commands that run until stopped (`config watch`): it aborts on Ctrl-C (SIGINT)
 * or SIGTERM, or after `forMs` milliseconds when given.
 */
export function untilInterrupted(forMs?: number): {signal: AbortSignal; dispose(): void} {
  const controller = new AbortController()
  const stop = () => controller.abort()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const timer = forMs === undefined ? undefined : setTimeout(stop, forMs)
  return {
    signal: controller.signal,
    dispose() {
      if (timer) clearTimeout(timer)
      process.removeListener('SIGINT', stop)
      process.removeListener('SIGTERM', stop)
    },
  }
}
