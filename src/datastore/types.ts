/**
 * The one interface behind which every datastore lives (etcd v2, etcd v3, snapshot, kubernetes).
 * Only src/datastore/ imports an etcd client.
 */
import type {WatchHandlers} from './watch.js'

export type DatastoreKind = 'etcdv2' | 'etcdv3' | 'snapshot' | 'kubernetes'

export interface Kv {
  key: string
  value: string
  /** etcd v3 mod_revision or v2 modifiedIndex, as a decimal string; absent for snapshots. */
  revision?: string
}

export interface ConfigTree {
  /**
   * Every key under /calico/v1/config/ and /calico/v1/host/<h>/config/ (only those),
   * read in one round trip.
   */
  kvs: Kv[]
  /** Value of /calico/v1/Ready, or null when the key is missing. */
  ready: string | null
  /** Store revision / etcd index at the time of the read, when the API gives one. */
  revision?: string
  /**
   * Every host directory under /calico/v1/host/ (with or without config keys), sorted; set by
   * an unscoped read (v2: its directories; v3 and a snapshot: the <h> of any key under it;
   * `datastore export` writes a directory without config keys as the key /calico/v1/host/<h>/),
   * absent for a scoped read.
   */
  hostDirs?: string[]
}

export interface WriteOptions {
  /** Compare-and-swap: only write when the key's current revision (v3 mod_revision, v2 modifiedIndex) is this. "0" = key must not exist. */
  ifRevision?: string
}

export interface WriteResult {
  key: string
  previous: string | null
  revision?: string
}

/** What to read: by default both config directories for every host. */
export interface ReadScope {
  /**
   * Only this host's config directory (with the global one). Empty or absent: every host's,
   * which is also what Felix reads when its FelixHostname resolves to "".
   */
  host?: string
  /**
   * Only these host directories' config keys (with the global ones), and which of them exist
   * (ConfigTree.hostDirs: the named directories that hold any key, config or not). For `config
   * diff`, which compares two hosts and needs no other host's keys. Only plain names
   * (plainHostDirName); `host` wins when both are given.
   */
  hosts?: string[]
  /**
   * With `host`: also name every host directory (ConfigTree.hostDirs), without reading the
   * other hosts' keys (the impact of a per-host write: one host changes, every host counts).
   */
  listHostDirs?: boolean
}

/**
 * A host directory name every driver reads as one path segment: non-empty, no '/', not '.' or
 * '..' (a v2 URL path would resolve those; a v3 key may hold them literally), not starting with
 * '_' (etcd v2 hides such a node from its directory's listing, so the whole read does not see
 * it, but a GET of its own path does). Other names are read with an unscoped read.
 */
export function plainHostDirName(name: string): boolean {
  return name !== '' && !name.includes('/') && name !== '.' && name !== '..' && !name.startsWith('_')
}

/** Does a config key belong to the scope? */
export function inScope(key: string, scope: ReadScope | undefined): boolean {
  if (!key.startsWith(HOST_PREFIX)) return true
  if (scope?.host) return key.startsWith(`${HOST_PREFIX}${scope.host}/config/`)
  if (scope?.hosts) return scope.hosts.some((h) => key.startsWith(`${HOST_PREFIX}${h}/config/`))
  return true
}

export interface Datastore {
  readonly kind: DatastoreKind
  /** Human-readable endpoints (URLs, or the snapshot path). */
  readonly endpoints: readonly string[]
  /** Read both config directories (for every host, or the one in scope) and the Ready flag in one round trip. */
  readConfig(scope?: ReadScope): Promise<ConfigTree>
  /** Read one key (for show-before/after and conflicts). */
  get(key: string): Promise<Kv | null>
  put(key: string, value: string, options?: WriteOptions): Promise<WriteResult>
  delete(key: string, options?: WriteOptions): Promise<WriteResult>
  /** Follow the config directories and the Ready flag (etcd only; see src/datastore/watch.ts). */
  watchConfig?(fromRevision: string, handlers: WatchHandlers, signal: AbortSignal): Promise<void>
  close(): Promise<void>
}


export interface DatastoreConnection {
  type: 'etcdv2' | 'etcdv3' | 'kubernetes'
  endpoints: string[]
  caFile?: string
  certFile?: string
  keyFile?: string
  /** Milliseconds for the whole operation (connect + read). */
  timeoutMs: number
}

export const CONFIG_PREFIX = '/calico/v1/config/'
export const HOST_PREFIX = '/calico/v1/host/'
export const READY_KEY = '/calico/v1/Ready'

/** The value `datastore export` gives the key `/calico/v1/host/<h>/` of a host directory without config keys. */
export const HOST_DIR_VALUE = ''

/** The host directory a key lies in (`/calico/v1/host/<h>/...`, <h> non-empty), or null. */
export function hostDirOfKey(key: string): string | null {
  if (!key.startsWith(HOST_PREFIX)) return null
  const slash = key.indexOf('/', HOST_PREFIX.length)
  return slash > HOST_PREFIX.length ? key.slice(HOST_PREFIX.length, slash) : null
}
