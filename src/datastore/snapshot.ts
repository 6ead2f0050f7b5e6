/**
 * The snapshot driver: a JSON object mapping etcd keys to values, as written by
 * `felixctl datastore export` (`{"/calico/v1/config/LogSeverityFile": "DEBUG", ...}`).
 * Read-only: writes are refused.
 */
import {readRegularFile} from '../lib/read-file.js'
import {LocalIoError, UsageError} from '../errors.js'
import {CONFIG_PREFIX, ConfigTree, Datastore, HOST_PREFIX, Kv, READY_KEY, ReadScope, inScope} from './types.js'

export function isConfigKey(key: string): boolean {
  if (key.startsWith(CONFIG_PREFIX)) return key.length > CONFIG_PREFIX.length && !key.slice(CONFIG_PREFIX.length).includes('/')
  if (!key.startsWith(HOST_PREFIX)) return false
  const parts = key.slice(HOST_PREFIX.length).split('/')
  return parts.length === 3 && parts[1] === 'config' && parts[2] !== ''
}

/** Parse a snapshot document (pure). Throws LocalIoError naming the file on malformed input. */
export function parseSnapshot(text: string, path: string, parseYaml?: (text: string) => unknown): {kvs: Kv[]; ready: string | null} {
  let doc: unknown
  const body = text.replace(/^\uFEFF/, '')
  try {
    // `datastore export -o yaml` writes YAML: read it back too (YAML is a superset of JSON).
    doc = parseYaml && !body.trimStart().startsWith('{') ? parseYaml(body) : JSON.parse(body)
  } catch (error) {
    throw new LocalIoError(`cannot parse snapshot ${path}: ${(error as Error).message}`, {
      path,
      code: 'snapshot-malformed',
      hint: 'a snapshot is a JSON (or YAML) object mapping etcd keys to string values, as `felixctl datastore export` writes',
    })
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new LocalIoError(`cannot parse snapshot ${path}: the top level is not a JSON object`, {
      path,
      code: 'snapshot-malformed',
      hint: 'a snapshot is a JSON object mapping etcd keys to string values',
    })
  }
  const kvs: Kv[] = []
  let ready: string | null = null
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof value !== 'string') {
      throw new LocalIoError(`cannot parse snapshot ${path}: the value of ${JSON.stringify(key)} is not a string`, {
        path,
        code: 'snapshot-malformed',
        hint: 'etcd values are strings: quote numbers and booleans',
      })
    }
    if (key === READY_KEY) ready = value
    else if (isConfigKey(key)) kvs.push({key, value})
  }
  return {kvs, ready}
}

export class SnapshotDatastore implements Datastore {
  readonly kind = 'snapshot' as const
  readonly endpoints: readonly string[]
  private tree?: ConfigTree

  constructor(private readonly path: string) {
    this.endpoints = [path]
  }

  async readConfig(scope?: ReadScope): Promise<ConfigTree> {
    const tree = await this.readAll()
    return scope?.host ? {...tree, kvs: tree.kvs.filter((kv) => inScope(kv.key, scope))} : tree
  }

  private async readAll(): Promise<ConfigTree> {
    if (!this.tree) {
      const text = readRegularFile(this.path, 'snapshot').toString('utf8')
      // The YAML parser is loaded only for a snapshot that is not JSON.
      const yaml = text.replace(/^\uFEFF/, '').trimStart().startsWith('{') ? undefined : (await import('yaml')).parse
      this.tree = parseSnapshot(text, this.path, yaml ? (t) => yaml(t, {schema: 'failsafe'}) : undefined)
    }
    return this.tree
  }

  async get(key: string): Promise<Kv | null> {
    const tree = await this.readAll()
    return tree.kvs.find((kv) => kv.key === key) ?? null
  }

  async put(): Promise<never> {
    throw new UsageError(`a snapshot (${this.path}) is read-only`, {hint: 'write to a live etcd with --etcd-endpoints, or edit the JSON file'})
  }

  async delete(): Promise<never> {
    return this.put()
  }

  async close(): Promise<void> {}
}
