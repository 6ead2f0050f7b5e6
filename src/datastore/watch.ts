/**
 * What the etcd drivers share for `config watch`: the change events they report, the error
 * that says the history they need is gone, and the retry pacing after a dropped connection.
 *
 * A driver follows the config directories and /calico/v1/Ready from a revision (v2: an etcd
 * index) and reports every change of a config key or of the Ready flag, in order, each with its
 * revision. After a dropped connection it resumes from the revision after the last event it
 * reported, so no event is lost or repeated. When etcd no longer holds that revision (v3: it
 * was compacted; v2: it fell out of the 1000-event window, "event index cleared") the driver
 * throws WatchHistoryLost and the caller re-reads the whole state.
 */
import {CONFIG_PREFIX, HOST_PREFIX, READY_KEY} from './types.js'

export interface WatchChange {
  /** The config key (or /calico/v1/Ready); for a deleted v2 directory, the directory's key. */
  key: string
  /** The new raw value; null: the key was deleted (or its TTL expired). */
  value: string | null
  /** The etcd v3 revision or v2 index of the change, as a decimal string. */
  revision: string
  /** v2 only: a directory was deleted, and with it every key under `key + '/'`. */
  dir?: boolean
}

export interface WatchHandlers {
  /** Changes in the order etcd made them (called synchronously, one batch at a time). */
  onChanges(changes: WatchChange[]): void
  /** The connection failed (the `failures`-th time in a row); the driver tries again from `fromRevision`. */
  onRetry?(reason: string, fromRevision: string, failures: number): void
  /** Watching again after failures, from `fromRevision`, at `endpoint`. */
  onResumed?(endpoint: string, fromRevision: string): void
}

/** etcd no longer holds the history from `fromRevision`: re-read the whole state. */
export class WatchHistoryLost extends Error {
  constructor(
    readonly kind: 'compacted' | 'index-cleared',
    readonly fromRevision: string,
    readonly detail: string,
  ) {
    super(detail)
  }
}

/** A config key of the global or a host directory (one segment after config/), or the Ready flag. */
export function isWatchedKey(key: string): boolean {
  if (key === READY_KEY) return true
  if (key.startsWith(CONFIG_PREFIX)) return key.length > CONFIG_PREFIX.length && key.indexOf('/', CONFIG_PREFIX.length) === -1
  if (!key.startsWith(HOST_PREFIX)) return false
  const slash = key.indexOf('/', HOST_PREFIX.length)
  if (slash <= HOST_PREFIX.length || !key.startsWith('/config/', slash)) return false
  const nameStart = slash + 8
  return nameStart < key.length && key.indexOf('/', nameStart) === -1
}

/** Pause before the next attempt after `failures` failures in a row: 100 ms doubling, at most 1 s. */
export function retryDelayMs(failures: number): number {
  return Math.min(1000, 100 * 2 ** Math.max(0, failures - 1))
}

/** Wait `ms`, or less when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, {once: true})
  })
}
