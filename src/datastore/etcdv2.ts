/**
 * The etcd v2 keys API driver: what Felix 2.0 itself reads (DatastoreType etcdv2).
 *
 * Transport: node:http / node:https rather than the global fetch. Node 20's fetch is
 * undici, and the only way to give it a custom CA or a client certificate is an undici
 * Agent passed as `dispatcher`; undici is not a dependency of felixctl and Node exposes
 * no public Agent for its bundled copy. node:https takes `ca`, `cert` and `key`
 * directly, reports TLS failures with OpenSSL's codes, and lets us destroy the socket
 * on our own deadline, so one code path serves http and https alike. Every request
 * uses `agent: false` (a fresh socket, closed after the response), so nothing keeps
 * the process alive after a command.
 *
 * Reads use `quorum=true`, as libcalico-go's etcd backend does for Felix 2.0
 * (GetOptions{Quorum: true}): a member without quorum cannot answer with stale data.
 */
import {DatastoreError, WriteRefusedError} from '../errors.js'
import {AttemptError, withFailover} from './failover.js'
import {HttpResponse, httpRequest, schemeMismatch} from './http.js'
import {isConfigKey} from './snapshot.js'
import {TlsMaterial, loadTlsMaterial} from './tls.js'
import {endpointsOf} from './endpoints.js'
import {conflictError, failureReason} from './failures.js'
import {CONFIG_PREFIX, ConfigTree, Datastore, DatastoreConnection, HOST_PREFIX, Kv, READY_KEY, ReadScope, WriteOptions, WriteResult} from './types.js'
import {WatchChange, WatchHandlers, WatchHistoryLost, isWatchedKey, pause, retryDelayMs} from './watch.js'

interface V2Node {
  key?: string
  value?: string
  dir?: boolean
  nodes?: V2Node[]
  modifiedIndex?: number
  createdIndex?: number
}

interface V2Body {
  action?: string
  node?: V2Node
  prevNode?: V2Node
  errorCode?: number
  message?: string
  cause?: string
  index?: number
}

/** A watch's long poll is asked again after this long without an event (a silently dead connection ends too). */
const V2_POLL_MS = 60_000

/** The changes one v2 watch event makes to the config directories and the Ready flag. */
function v2Changes(json: V2Body, index: number): WatchChange[] {
  const node = json.node
  if (!node?.key) return []
  const revision = String(index)
  const deleted = json.action === 'delete' || json.action === 'compareAndDelete' || json.action === 'expire'
  if (node.dir) return deleted && mayHoldConfig(node.key) ? [{key: node.key, value: null, revision, dir: true}] : []
  if (!isWatchedKey(node.key)) return []
  return [{key: node.key, value: deleted ? null : node.value ?? '', revision}]
}

function keyPath(key: string): string {
  if (!key.startsWith('/')) key = '/' + key
  return '/v2/keys' + key.split('/').map(encodeURIComponent).join('/')
}

function parseBody(res: HttpResponse): V2Body {
  const json = safeJson(res.body)
  if (json === undefined || json === null || typeof json !== 'object') {
    throw new AttemptError(`HTTP ${res.status}: the answer is not etcd v2 JSON (${JSON.stringify(res.body.slice(0, 80))})`, false)
  }
  return json
}

/**
 * For the named host directories of `config diff`: a GET of a path under /calico/v1/host/ that
 * finds nothing: no such key (errorCode 100), or a plain key on the way (errorCode 104, "Not a
 * directory": /calico/v1/host/<h> holds a value), which the whole read skips as no host directory
 * either. One host's own read (readScoped) keeps 104 an error: Felix 2.0 lists
 * /calico/v1/host/<h>/config the same way, libcalico-go turns anything but "key not found" into a
 * datastore error, and Felix retries its config load without starting.
 */
function noHostNode(res: HttpResponse, json: V2Body): boolean {
  return (res.status === 404 && json.errorCode === 100) || json.errorCode === 104
}

function headerIndex(res: HttpResponse, body?: V2Body): string | undefined {
  const h = res.headers['x-etcd-index']
  const v = Array.isArray(h) ? h[0] : h
  if (v !== undefined && v !== '') return String(v)
  return body?.index === undefined ? undefined : String(body.index)
}

/** The name of a host directory's own node (/calico/v1/host/<h>, a directory), or null for any other node. */
function hostDirNodeName(node: V2Node): string | null {
  const key = node.key
  if (!node.dir || key === undefined || !key.startsWith(HOST_PREFIX) || key.length === HOST_PREFIX.length || key.indexOf('/', HOST_PREFIX.length) !== -1) return null
  return key.slice(HOST_PREFIX.length)
}

function collect(node: V2Node | undefined, out: Kv[], ready: {value: string | null}, hostDirs?: string[]): void {
  if (!node) return
  if (node.dir) {
    // Only directories that can hold a config key (a whole tree's workloads are skipped unread).
    if (node.key !== undefined && !mayHoldConfig(node.key)) return
    // /calico/v1/host/<h>: a host directory, with or without config keys (issue 17: impact).
    const hostDir = hostDirs ? hostDirNodeName(node) : null
    if (hostDir !== null) hostDirs!.push(hostDir)
    const children = node.nodes
    if (!children) return
    // etcd lists a directory in Go map order. Sorting each directory (10,000 host directories,
    // then a few keys each) leaves the caller's sort of all keys an almost sorted array, which
    // costs a tenth of sorting 50,000 keys in random order.
    if (children.length > 1) children.sort(byNodeKey)
    for (const child of children) collect(child, out, ready, hostDirs)
    return
  }
  if (node.key === undefined) return
  const value = node.value ?? ''
  if (node.key === READY_KEY) ready.value = value
  else if (isConfigKey(node.key)) out.push({key: node.key, value, revision: node.modifiedIndex === undefined ? undefined : String(node.modifiedIndex)})
}

function byNodeKey(a: V2Node, b: V2Node): number {
  const x = a.key ?? ''
  const y = b.key ?? ''
  return x < y ? -1 : x > y ? 1 : 0
}

/** A directory whose descendants may be config keys: /, /calico, /calico/v1, …/config, …/host, …/host/<h>, …/host/<h>/config. */
function mayHoldConfig(dir: string): boolean {
  const d = dir.endsWith('/') ? dir : dir + '/'
  if (CONFIG_PREFIX.startsWith(d) || HOST_PREFIX.startsWith(d)) return true
  if (!d.startsWith(HOST_PREFIX)) return false
  const slash = d.indexOf('/', HOST_PREFIX.length)
  return slash === d.length - 1 || (d.startsWith('/config/', slash) && slash + 8 === d.length)
}

export class EtcdV2Datastore implements Datastore {
  readonly kind = 'etcdv2' as const
  readonly endpoints: readonly string[]
  private readonly urls: URL[]
  private readonly tls: TlsMaterial
  private readonly timeoutMs: number
  /** Index of the endpoint that answered last: later operations start there. */
  private preferred = 0

  constructor(conn: DatastoreConnection) {
    this.urls = endpointsOf(conn)
    this.endpoints = this.urls.map((u) => u.href)
    this.tls = loadTlsMaterial(conn)
    this.timeoutMs = conn.timeoutMs
  }

  /**
   * Run `attempt` against each endpoint in order (starting at the one that answered
   * last) until one answers. Transport failures, TLS failures, timeouts and 5xx move
   * on; the whole operation never outlasts timeoutMs.
   */
  private async withEndpoint<T>(attempt: (base: URL, budgetMs: number) => Promise<T>): Promise<T> {
    const {result, index} = await withFailover(
      {endpoints: this.endpoints, preferred: this.preferred, timeoutMs: this.timeoutMs, tls: this.tls, describe: (error) => ({reason: failureReason(error), tls: false})},
      (index, budget) => attempt(this.urls[index], budget),
    )
    this.preferred = index
    return result
  }

  /** One request to one endpoint; 5xx is a failed attempt, anything else is an answer. */
  private async request(base: URL, budgetMs: number, method: string, path: string, body?: string): Promise<{res: HttpResponse; json: V2Body}> {
    let res: HttpResponse
    try {
      res = await httpRequest(new URL(path, base), method, this.tls, budgetMs, body)
    } catch (error) {
      throw schemeMismatch(base, error)
    }
    if (res.status === 404 && safeJson(res.body) === undefined) {
      // etcd 3.4 without --enable-v2 (and 3.5+) answers /v2/keys with a plain "404 page not found": reached, no v2 API.
      throw new DatastoreError(`etcd at ${base.href} answers, but its v2 API is off (HTTP 404 for /v2/keys): Felix 2.0 reads only the v2 API`, {
        endpoint: base.href,
        code: 'datastore-v2-disabled',
        hint: 'start etcd with --enable-v2 (etcd 3.4; 3.5 has no v2 API), or read the v3 store with --datastore-type etcdv3 (which Felix 2.0 does not see)',
      })
    }
    if (res.status === 400 && /HTTP request to an HTTPS server/i.test(res.body)) throw schemeMismatch(base, new AttemptError('HTTP 400: the server speaks TLS', false))
    if (res.status >= 500) {
      let detail = ''
      try {
        const j = JSON.parse(res.body) as V2Body
        if (j.message) detail = `: ${j.message}${j.cause ? ` (${j.cause})` : ''}`
      } catch {
        // not JSON: the status is enough
      }
      throw new AttemptError(`HTTP ${res.status}${detail}`, false)
    }
    if (res.status === 401 || res.status === 403) {
      const j = safeJson(res.body)
      throw new DatastoreError(`etcd at ${base.href} refused the request: HTTP ${res.status}${j?.message ? ` ${j.message}` : ''}`, {
        endpoint: base.href,
        code: 'datastore-denied',
        hint: 'etcd authentication is not supported by Felix 2.0; check the etcd roles for the guest user',
      })
    }
    return {res, json: parseBody(res)}
  }

  /** A quorum GET of one path (recursive: the whole subtree; otherwise the node and its children's names). */
  private read(base: URL, budget: number, path: string, recursive: boolean): Promise<{res: HttpResponse; json: V2Body}> {
    return this.request(base, budget, 'GET', `${keyPath(path)}?${recursive ? 'recursive=true&' : ''}quorum=true`)
  }

  async readConfig(scope?: ReadScope): Promise<ConfigTree> {
    if (scope?.host) return this.readScoped(scope.host, Boolean(scope.listHostDirs))
    if (scope?.hosts) return this.readNamedHosts(scope.hosts)
    // ONE round trip: the whole /calico/v1 tree (workloads included), filtered here.
    return this.withEndpoint(async (base, budget) => {
      const {res, json} = await this.read(base, budget, '/calico/v1', true)
      const revision = headerIndex(res, json)
      if (res.status === 404 && json.errorCode === 100) return {kvs: [], ready: null, revision}
      if (res.status !== 200) throw unexpected(base, res, json, 'read /calico/v1')
      const kvs: Kv[] = []
      const ready = {value: null as string | null}
      const hostDirs: string[] = []
      collect(json.node, kvs, ready, hostDirs)
      kvs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      return {kvs, ready: ready.value, revision, hostDirs}
    })
  }

  /**
   * One host: the v2 API has no multi-key read, so the global directory, the host's directory
   * and the Ready flag are three requests sent at once (one round trip of latency) instead of
   * the whole tree with every host's workloads.
   */
  private async readScoped(host: string, listHostDirs: boolean): Promise<ConfigTree> {
    return this.withEndpoint(async (base, budget) => {
      const paths = ['/calico/v1/config', `/calico/v1/host/${host}/config`, READY_KEY]
      // With listHostDirs, the host directory itself, not recursive: its children are the host directories.
      const [answers, listing] = await Promise.all([Promise.all(paths.map((p) => this.read(base, budget, p, true))), listHostDirs ? this.read(base, budget, '/calico/v1/host', false) : null])
      const kvs: Kv[] = []
      const ready = {value: null as string | null}
      answers.forEach(({res, json}, i) => {
        if (res.status === 404 && json.errorCode === 100) return
        if (res.status !== 200) throw unexpected(base, res, json, `read ${paths[i]}`)
        collect(json.node, kvs, ready)
      })
      kvs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      const tree: ConfigTree = {kvs, ready: ready.value, revision: headerIndex(answers[0].res, answers[0].json)}
      if (listing) {
        const {res, json} = listing
        if (res.status !== 200 && !(res.status === 404 && json.errorCode === 100)) throw unexpected(base, res, json, 'read /calico/v1/host')
        const hostDirs: string[] = []
        for (const child of json.node?.nodes ?? []) {
          const name = hostDirNodeName(child)
          if (name !== null) hostDirs.push(name)
        }
        tree.hostDirs = hostDirs.sort()
      }
      return tree
    })
  }

  /**
   * Named host directories (config diff): the global directory, each host's config directory,
   * each host's directory itself (not recursive: does it exist?) and the Ready flag, all sent
   * at once.
   */
  private async readNamedHosts(hosts: string[]): Promise<ConfigTree> {
    return this.withEndpoint(async (base, budget) => {
      const reads: {path: string; recursive: boolean; dirOf?: string}[] = [
        {path: '/calico/v1/config', recursive: true},
        ...hosts.flatMap((h) => [
          {path: `${HOST_PREFIX}${h}/config`, recursive: true},
          {path: `${HOST_PREFIX}${h}`, recursive: false, dirOf: h},
        ]),
        {path: READY_KEY, recursive: true},
      ]
      const answers = await Promise.all(reads.map((r) => this.read(base, budget, r.path, r.recursive)))
      const kvs: Kv[] = []
      const ready = {value: null as string | null}
      const hostDirs: string[] = []
      answers.forEach(({res, json}, i) => {
        const read = reads[i]
        if (res.status === 404 && json.errorCode === 100) return
        if (read.path.startsWith(HOST_PREFIX) && noHostNode(res, json)) return
        if (res.status !== 200) throw unexpected(base, res, json, `read ${read.path}`)
        if (read.dirOf !== undefined) {
          if (json.node?.dir) hostDirs.push(read.dirOf)
          return
        }
        collect(json.node, kvs, ready)
      })
      kvs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      return {kvs, ready: ready.value, revision: headerIndex(answers[0].res, answers[0].json), hostDirs: [...new Set(hostDirs)].sort()}
    })
  }

  async get(key: string): Promise<Kv | null> {
    return this.withEndpoint((base, budget) => this.getAt(base, budget, key))
  }

  private async getAt(base: URL, budget: number, key: string): Promise<Kv | null> {
    const {res, json} = await this.request(base, budget, 'GET', `${keyPath(key)}?quorum=true`)
    if (res.status === 404 && json.errorCode === 100) return null
    if (res.status !== 200) throw unexpected(base, res, json, `read ${key}`)
    const node = json.node
    if (!node || node.dir) return null
    return {key: node.key ?? key, value: node.value ?? '', revision: node.modifiedIndex === undefined ? undefined : String(node.modifiedIndex)}
  }

  async put(key: string, value: string, options: WriteOptions = {}): Promise<WriteResult> {
    return this.withEndpoint(async (base, budget) => {
      const started = Date.now()
      const query = casQuery(options.ifRevision)
      const {res, json} = await this.request(base, budget, 'PUT', keyPath(key) + query, `value=${encodeURIComponent(value)}`)
      if (res.status === 200 || res.status === 201) {
        return {
          key,
          previous: json.prevNode && !json.prevNode.dir ? json.prevNode.value ?? '' : null,
          revision: json.node?.modifiedIndex === undefined ? undefined : String(json.node.modifiedIndex),
        }
      }
      if (options.ifRevision !== undefined && isCasFailure(res, json)) {
        throw await this.conflict(base, budget - (Date.now() - started), key, options.ifRevision, json)
      }
      throw refused(base, res, json, `write ${key}`)
    })
  }

  async delete(key: string, options: WriteOptions = {}): Promise<WriteResult> {
    return this.withEndpoint(async (base, budget) => {
      const started = Date.now()
      if (options.ifRevision === '0') {
        // "must not exist" on a delete: nothing to delete when it holds.
        const current = await this.getAt(base, budget, key)
        if (current === null) return {key, previous: null}
        throw conflictError(key, '0', current)
      }
      const query = options.ifRevision !== undefined ? `?prevIndex=${encodeURIComponent(options.ifRevision)}` : ''
      const {res, json} = await this.request(base, budget, 'DELETE', keyPath(key) + query)
      if (res.status === 200) {
        return {
          key,
          previous: json.prevNode && !json.prevNode.dir ? json.prevNode.value ?? '' : null,
          revision: json.node?.modifiedIndex === undefined ? headerIndex(res) : String(json.node.modifiedIndex),
        }
      }
      if (res.status === 404 && json.errorCode === 100) {
        if (options.ifRevision !== undefined) throw conflictError(key, options.ifRevision, null)
        return {key, previous: null}
      }
      if (options.ifRevision !== undefined && isCasFailure(res, json)) {
        throw await this.conflict(base, budget - (Date.now() - started), key, options.ifRevision, json)
      }
      throw refused(base, res, json, `delete ${key}`)
    })
  }

  /** Build the exit-7 error for a failed compare-and-swap, showing the current value when it can be read in time. */
  private async conflict(base: URL, budget: number, key: string, ifRevision: string, json: V2Body): Promise<WriteRefusedError> {
    let current: Kv | null | undefined
    if (json.errorCode === 100) current = null
    else if (budget > 0) {
      try {
        current = await this.getAt(base, budget, key)
      } catch {
        current = undefined
      }
    }
    return conflictError(key, ifRevision, current)
  }

  /**
   * Follow /calico/v1 with long polls (`wait=true&recursive=true&waitIndex=N`), one event per
   * answer, keeping only config keys, the Ready flag and the deletion of a directory that held
   * them (what a v2 recursive watch on /calico/v1/host also sees, workloads, is dropped unread).
   * Every answer moves the index on, kept or not. A failed poll is tried again from the same
   * index, at the next endpoint, after a pause; an answer "event index cleared" (errorCode 401:
   * etcd keeps the last 1000 events) is WatchHistoryLost. Ends when `signal` aborts.
   */
  async watchConfig(fromRevision: string, handlers: WatchHandlers, signal: AbortSignal): Promise<void> {
    let next = Number(fromRevision)
    let failures = 0
    let index = this.preferred
    while (!signal.aborted) {
      const base = this.urls[index]
      let res: HttpResponse
      try {
        res = await httpRequest(new URL(`${keyPath('/calico/v1')}?wait=true&recursive=true&waitIndex=${next}`, base), 'GET', this.tls, V2_POLL_MS, undefined, undefined, signal)
      } catch (error) {
        if (signal.aborted) return
        // A quiet poll that reached its time limit on a healthy connection: ask again.
        if (failures === 0 && error instanceof AttemptError && /^timed out/.test(error.reason)) continue
        failures++
        handlers.onRetry?.(`${base.href}: ${failureReason(error)}`, String(next), failures)
        index = (index + 1) % this.urls.length
        await pause(retryDelayMs(failures), signal)
        continue
      }
      const json = safeJson(res.body)
      if (res.status === 400 && json?.errorCode === 401) {
        throw new WatchHistoryLost('index-cleared', String(next), `etcd at ${base.href} no longer holds index ${next}: ${json.message ?? 'event index cleared'}${json.cause ? ` (${json.cause})` : ''}`)
      }
      // An empty answer: etcd ended the poll without an event. Ask again.
      if (res.status === 200 && res.body.trim() === '') continue
      if (res.status !== 200 || !json?.node) {
        if (res.status >= 500) {
          failures++
          handlers.onRetry?.(`${base.href}: HTTP ${res.status}${json?.message ? ` ${json.message}` : ''}`, String(next), failures)
          index = (index + 1) % this.urls.length
          await pause(retryDelayMs(failures), signal)
          continue
        }
        throw unexpected(base, res, json ?? {}, 'watch /calico/v1')
      }
      if (failures > 0) {
        failures = 0
        handlers.onResumed?.(base.href, String(next))
      }
      this.preferred = index
      const modified = json.node.modifiedIndex ?? Number(headerIndex(res, json) ?? next)
      next = Math.max(next, modified + 1)
      const changes = v2Changes(json, modified)
      if (changes.length) handlers.onChanges(changes)
    }
  }

  async close(): Promise<void> {
    // agent: false: every socket is closed with its response; nothing to release.
  }
}

function safeJson(text: string): V2Body | undefined {
  try {
    return JSON.parse(text) as V2Body
  } catch {
    return undefined
  }
}

function casQuery(ifRevision: string | undefined): string {
  if (ifRevision === undefined) return ''
  if (ifRevision === '0') return '?prevExist=false'
  return `?prevIndex=${encodeURIComponent(ifRevision)}`
}

/** 101 Compare failed, 105 Key already exists (prevExist=false), 100 Key not found (prevIndex on a deleted key). */
function isCasFailure(res: HttpResponse, json: V2Body): boolean {
  return res.status === 412 || json.errorCode === 101 || json.errorCode === 105 || json.errorCode === 100
}

function unexpected(base: URL, res: HttpResponse, json: V2Body, what: string): DatastoreError {
  return new DatastoreError(
    `etcd at ${base.href} could not ${what}: HTTP ${res.status}${json.errorCode !== undefined ? ` errorCode ${json.errorCode}` : ''}${json.message ? ` ${json.message}` : ''}${json.cause ? ` (${json.cause})` : ''}`,
    {
      endpoint: base.href,
      code: 'datastore-error',
      // errorCode 104: a value where the path needs a directory; Felix's own read of it fails the same way (it retries and does not start).
      hint:
        json.errorCode === 104
          ? `${json.cause ?? 'a key on the way'} holds a value where a directory belongs: Felix reading this path fails the same way and does not start; remove that key (etcdctl rm ${json.cause ?? 'KEY'}) if it is not meant to be there`
          : 'check that the endpoint is an etcd serving the v2 API (etcd 3.4: --enable-v2)',
    },
  )
}

function refused(base: URL, res: HttpResponse, json: V2Body, what: string): WriteRefusedError {
  return new WriteRefusedError(
    `etcd at ${base.href} refused to ${what}: HTTP ${res.status}${json.errorCode !== undefined ? ` errorCode ${json.errorCode}` : ''}${json.message ? ` ${json.message}` : ''}${json.cause ? ` (${json.cause})` : ''}`,
    {code: 'etcd-rejected', hint: json.errorCode === 102 ? 'the key is a directory: name a leaf key' : 'check the key'},
  )
}
