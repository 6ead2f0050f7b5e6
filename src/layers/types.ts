/** Raw configuration entries, as each layer holds them, with their exact origin (docs/json-output.md). */

export type LayerName = 'env' | 'file' | 'host' | 'global'
export type SourceName = LayerName | 'default'

export interface Origin {
  type: 'env' | 'file' | 'etcd' | 'default'
  /** env: the variable name as it appears in the environment. */
  name?: string
  /** file: path of the config file (or the env file an env var came from). */
  path?: string
  /** file: ini section the key was in ("DEFAULT" for keys before any header). */
  section?: string
  /** file (and env file): 1-based line. */
  line?: number
  /** etcd: the full key. */
  key?: string
  /** etcd (config get, from a live etcd): the key's v3 mod_revision or v2 modifiedIndex, for --if-revision. */
  revision?: string
  /** file read with --pid/--running: path is the one that process uses, in its mount namespace. */
  pid?: number
}

export interface RawEntry {
  layer: LayerName
  /**
   * The key as Felix sees it in this layer: for env, the part after `felix_`, lower-cased;
   * for the file, the ini key as spelt; for etcd, the last path segment as spelt.
   */
  key: string
  raw: string
  origin: Origin
}

export interface LayerDiagnostic {
  severity: 'error' | 'warning' | 'info'
  code: string
  message: string
  origin?: Origin
  key?: string
}
