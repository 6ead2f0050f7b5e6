/**
 * The snapshot driver: a JSON object mapping etcd keys to values, as written by
 * `felixctl datastore export` (`{"/calico/v1/config/LogSeverityFile": "DEBUG", ...}`).
 * Read-only: writes are refused.
 *
 * Host directories: a snapshot reports every host directory it names, as an unscoped etcd read
 * does (ConfigTree.hostDirs): the <h> of any key under /calico/v1/host/<h>/. `datastore export`
 * writes a host directory that holds no config keys as the key `/calico/v1/host/<h>/` (etcdctl
 * v2's `ls -p` spelling of a directory) with the value "" (HOST_DIR_VALUE in types.ts); a snapshot holding
 * config keys only (any older one) names exactly the directories that hold them.
 */
import {readRegularFile} from '../lib/read-file.js'
import {LocalIoError, UsageError} from '../errors.js'
import {CONFIG_PREFIX, ConfigTree, Datastore, HOST_PREFIX, Kv, READY_KEY, ReadScope, hostDirOfKey, inScope} from './types.js'

export function isConfigKey(key: string): boolean {
  // Index arithmetic, no split: this runs once per key of a whole fleet's tree.
  if (key.startsWith(CONFIG_PREFIX)) return key.length > CONFIG_PREFIX.length && key.indexOf('/', CONFIG_PREFIX.length) === -1
  if (!key.startsWith(HOST_PREFIX)) return false
  const slash = key.indexOf('/', HOST_PREFIX.length)
  if (slash === -1 || !key.startsWith('/config/', slash)) return false
  const nameStart = slash + 8
  return nameStart < key.length && key.indexOf('/', nameStart) === -1
}

/** A snapshot named `.yaml` or `.yml` is YAML (`datastore export -o yaml`); any other name is JSON. */
export function isYamlSnapshotPath(path: string): boolean {
  return /\.ya?ml$/i.test(path)
}

/**
 * How deep a snapshot may nest: it is one flat object of strings (depth 1); anything deeper is
 * refused before parsing, so a file of a million `[` costs one linear scan, not a parser's recursion.
 */
export const SNAPSHOT_MAX_DEPTH = 64

/**
 * The deepest nesting of `[`/`{` outside quoted strings, stopping at the first position past
 * `limit`: returns that position (0-based), or -1. Linear; quotes as JSON writes them (and YAML's
 * single quotes inside flow collections).
 */
const BLOCK_PREFIX = /[ \t?:-]*/y

export function snapshotNestingPast(text: string, yaml: boolean, limit = SNAPSHOT_MAX_DEPTH): number {
  let depth = 0
  let quote = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    // YAML block collections nest by indentation and `- `/`? `/`: ` indicators at the start of a
    // line: a prefix of those longer than 4 columns a level is too deep too.
    if (yaml && !quote && (i === 0 || text[i - 1] === '\n')) {
      BLOCK_PREFIX.lastIndex = i
      BLOCK_PREFIX.test(text)
      if (BLOCK_PREFIX.lastIndex - i > 4 * limit) return i + 4 * limit
    }
    if (quote) {
      if (c === '\\' && quote === '"') i++
      else if (c === quote) quote = ''
    } else if (c === '"' || (yaml && c === "'" && depth > 0)) quote = c
    else if (c === '[' || c === '{') {
      if (++depth > limit) return i
    } else if (c === ']' || c === '}') depth--
  }
  return -1
}

/**
 * Parse a snapshot document (pure). Throws LocalIoError naming the file on malformed input, with
 * a one-line message. `parseYaml` is given for a `.yaml`/`.yml` snapshot only.
 */
export function parseSnapshot(text: string, path: string, parseYaml?: (text: string) => unknown): {kvs: Kv[]; ready: string | null; hostDirs: string[]} {
  let doc: unknown
  const body = text.replace(/^\uFEFF/, '')
  const malformed = (reason: string) =>
    new LocalIoError(`cannot parse snapshot ${path}: ${reason}`, {
      path,
      code: 'snapshot-malformed',
      hint: `a snapshot is a ${parseYaml ? 'YAML' : 'JSON'} object mapping etcd keys to string values, as \`felixctl datastore export${parseYaml ? ' -o yaml' : ''}\` writes (YAML only in a file named .yaml or .yml)`,
    })
  const tooDeep = snapshotNestingPast(body, Boolean(parseYaml))
  if (tooDeep >= 0) throw malformed(`nested more than ${SNAPSHOT_MAX_DEPTH} levels deep (at character ${tooDeep + 1})`)
  try {
    doc = parseYaml ? parseYaml(body) : JSON.parse(body)
  } catch (error) {
    // Parsers' messages can span lines (YAML adds the line with a caret): the first says what is wrong.
    throw malformed(String((error as Error).message ?? error).split('\n')[0].trim())
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
  const hostDirs = new Set<string>()
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
    const host = hostDirOfKey(key)
    if (host !== null) hostDirs.add(host)
  }
  return {kvs, ready, hostDirs: [...hostDirs].sort()}
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
    if (scope?.host) {
      // A scoped read names no host directories (as etcd's), unless asked to.
      const {hostDirs, ...rest} = tree
      return {...rest, kvs: tree.kvs.filter((kv) => inScope(kv.key, scope)), ...(scope.listHostDirs && hostDirs ? {hostDirs} : {})}
    }
    if (scope?.hosts) {
      // Named host directories: those of them that exist.
      const named = new Set(scope.hosts)
      return {...tree, kvs: tree.kvs.filter((kv) => inScope(kv.key, scope)), hostDirs: (tree.hostDirs ?? []).filter((h) => named.has(h))}
    }
    return tree
  }

  private async readAll(): Promise<ConfigTree> {
    if (!this.tree) {
      const text = readRegularFile(this.path, 'snapshot').toString('utf8')
      // The YAML parser is loaded only for a snapshot named .yaml or .yml.
      const yaml = isYamlSnapshotPath(this.path) ? (await import('yaml')).parse : undefined
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
