/**
 * The etcd v3 driver. Felix 2.0 itself reads v2; this driver serves clusters whose Calico
 * data was migrated to the v3 key space.
 *
 * Reads (readConfig, get) are one gRPC call each over node:http2 with hand-decoded protobuf
 * (grpc-read.ts says why: loading `etcd3` and decoding through protobufjs cost more than the
 * rest of a fleet view). Writes (transactions with a compare) use the `etcd3` package, loaded
 * only then. Only this module imports etcd3: src/datastore/index.ts imports this file
 * dynamically, on the v3 path only.
 *
 * Fault handling: etcd3 wraps calls in cockatiel policies (3 retries globally, a
 * circuit breaker per host) that can outlast any timeout, and it shuffles hosts. We
 * switch both policies off and make one client per endpoint, so endpoints are tried
 * in the order given and the whole operation is bounded by our own deadline (a gRPC
 * deadline on each call plus a timer that wins the race if gRPC does not honour it).
 */
import type {Etcd3, IKeyValue, IOptions, IRangeResponse, ITxnResponse, IWatchResponse, Watcher} from 'etcd3'
import {DatastoreError, WriteRefusedError} from '../errors.js'
import {isConfigKey} from './snapshot.js'
import {AttemptError, withFailover} from './failover.js'
import {GrpcStatusError, RangeRequest, decodeRange, decodeTxnOfRanges, encodeRange, encodeTxnOfRanges, grpcUnary} from './grpc-read.js'
import {schemeMismatch as schemeMismatchV3} from './http.js'
import {TlsMaterial, loadTlsMaterial} from './tls.js'
import {endpointsOf} from './endpoints.js'
import {conflictError, failureReason, isFelixctlError, tlsReason} from './failures.js'
import {CONFIG_PREFIX, ConfigTree, Datastore, DatastoreConnection, HOST_PREFIX, Kv, hostDirOfKey, READY_KEY, ReadScope, WriteOptions, WriteResult} from './types.js'
import {WatchChange, WatchHandlers, WatchHistoryLost, isWatchedKey, pause, retryDelayMs} from './watch.js'

/** How one watch stream ended. */
type WatchEnd = {kind: 'aborted'} | {kind: 'failed'; reason: string} | {kind: 'canceled'; reason: string}

type Etcd3Module = typeof import('etcd3')
type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>

/**
 * grpc-js sets the TLS servername to the endpoint's IP literal, and Node then prints
 * DEP0123 ("Setting the TLS ServerName to an IP address...") on stderr, in the middle of
 * felixctl's output. Drop that one warning; verification against the IP SAN is unchanged.
 */
let warningFilterInstalled = false
function filterServernameWarning(): void {
  if (warningFilterInstalled) return
  warningFilterInstalled = true
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const code = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as {code?: string}).code : rest[1]
    if (code === 'DEP0123') return
    emit(warning, ...rest)
  }) as typeof process.emitWarning
}

/** A 50,000-key range is about 3.5 MB, near grpc-js's default 4 MiB receive limit. */
const MAX_RECEIVE_BYTES = 256 * 1024 * 1024

/**
 * A cockatiel-compatible policy that runs the call once: no retry, no breaker.
 * Built by hand so that felixctl does not import cockatiel (a dependency of etcd3, not ours).
 */
function noopPolicy(): Policy {
  const noEvent = () => ({dispose() {}})
  return {
    execute: (fn: (context: {signal: AbortSignal}) => unknown) => Promise.resolve().then(() => fn({signal: new AbortController().signal})),
    onSuccess: noEvent,
    onFailure: noEvent,
  } as unknown as Policy
}

/** The exclusive end of a prefix range: the prefix with its last byte incremented. */
function prefixEnd(prefix: string): Buffer {
  const buf = Buffer.from(prefix)
  for (let i = buf.length - 1; i >= 0; i--) {
    if (buf[i] < 0xff) {
      const end = Buffer.from(buf.subarray(0, i + 1))
      end[i]++
      return end
    }
  }
  return Buffer.from([0])
}

/** Every key that starts with `prefix`. */
function prefixRange(prefix: string): RangeRequest {
  return {key: prefix, rangeEnd: prefixEnd(prefix)}
}

function toKv(kv: IKeyValue): Kv {
  return {key: kv.key.toString('utf8'), value: kv.value.toString('utf8'), revision: String(kv.mod_revision)}
}

/** Turn a gRPC / etcd3 error into one short reason. */
function grpcReason(error: unknown, budgetMs: number): {reason: string; tls: boolean} {
  const msg = String((error as Error)?.message ?? error)
  const last = /Last error: (.*?)(?: \(\d{4}-\d\d-\d\dT[^)]*\))?$/m.exec(msg)?.[1] ?? msg
  if (/DEADLINE_EXCEEDED|Deadline exceeded/i.test(msg)) return {reason: `timed out after ${budgetMs} ms`, tls: false}
  if (/ECONNREFUSED/.test(msg)) return {reason: 'connection refused', tls: false}
  if (/ECONNRESET/.test(msg)) return {reason: 'connection reset by peer', tls: false}
  if (/Name resolution failed|ENOTFOUND|EAI_AGAIN|getaddrinfo/i.test(msg)) {
    const host = /target dns:([^\s:]+)/.exec(msg)?.[1] ?? /getaddrinfo \S+ (\S+)/.exec(msg)?.[1]
    return {reason: `DNS lookup failed${host ? ` for ${host}` : ''}`, tls: false}
  }
  if (/certificate|ssl|tls|handshake|self[- ]signed|unable to verify|alert|secure context|key values mismatch/i.test(last)) {
    return {reason: tlsReason(last.replace(/^Error: /, '')), tls: true}
  }
  return {reason: last.replace(/^\d+ [A-Z_]+: /, '').split('\n')[0], tls: false}
}

export class EtcdV3Datastore implements Datastore {
  readonly kind = 'etcdv3' as const
  readonly endpoints: readonly string[]
  private readonly urls: URL[]
  private readonly tls: TlsMaterial
  private readonly timeoutMs: number
  private readonly clients = new Map<number, Etcd3>()
  private preferred = 0
  private closed = false
  /** The etcd3 package, loaded on the first gRPC call. */
  private mod: Etcd3Module | undefined

  private constructor(conn: DatastoreConnection) {
    // One client per endpoint, so http and https endpoints may be mixed (etcd3 itself refuses a mix).
    this.urls = endpointsOf(conn)
    this.endpoints = this.urls.map((u) => u.href)
    this.tls = loadTlsMaterial(conn)
    this.timeoutMs = conn.timeoutMs
  }

  static async open(conn: DatastoreConnection): Promise<EtcdV3Datastore> {
    return new EtcdV3Datastore(conn)
  }

  private async etcd3(): Promise<Etcd3Module> {
    if (!this.mod) {
      const mod = (await import('etcd3')) as Etcd3Module & {default?: Etcd3Module}
      this.mod = mod.Etcd3 ? mod : (mod.default as Etcd3Module)
    }
    return this.mod
  }

  private client(index: number): Etcd3 {
    let client = this.clients.get(index)
    if (!client) {
      const url = this.urls[index]
      const options: IOptions = {
        hosts: [url.href.replace(/\/$/, '')],
        dialTimeout: this.timeoutMs,
        grpcOptions: {
          'grpc.max_receive_message_length': MAX_RECEIVE_BYTES,
          'grpc.max_send_message_length': MAX_RECEIVE_BYTES,
          // Fail fast when a host is down instead of backing off for seconds.
          'grpc.initial_reconnect_backoff_ms': 100,
          'grpc.max_reconnect_backoff_ms': 1000,
        },
        faultHandling: {host: () => noopPolicy(), global: noopPolicy()},
      }
      // TLS files are read (and checked) whatever the scheme, but only https uses them.
      if (url.protocol === 'https:') {
        if (/^\[?[\d.:]+\]?$/.test(url.hostname)) filterServernameWarning()
        options.credentials = {rootCertificate: this.tls.ca as Buffer, privateKey: this.tls.key, certChain: this.tls.cert}
      }
      client = new (this.mod as Etcd3Module).Etcd3(options)
      this.clients.set(index, client)
    }
    return client
  }

  private dropClient(index: number): void {
    const client = this.clients.get(index)
    if (!client) return
    this.clients.delete(index)
    // etcd3's Host.resetAllServices() works around an old grpc-node bug (#1487) by
    // waiting up to 1 s for a CONNECTING channel before closing it, which keeps the
    // process alive for that second after a hung endpoint. grpc-js 1.14 closes a
    // connecting channel cleanly, so close the channels first, then the client.
    const hosts = (client as unknown as {pool?: {hosts?: Array<{cachedServices?: Record<string, {close(): void} | undefined>}>}}).pool?.hosts ?? []
    for (const host of hosts) {
      for (const service of Object.values(host.cachedServices ?? {})) service?.close()
      host.cachedServices = Object.create(null) as Record<string, undefined>
    }
    client.close()
  }

  /** Try each endpoint in order (starting with the one that answered last), bounded by timeoutMs overall. */
  private async withEndpoint<T>(attempt: (client: Etcd3, deadline: Date, budgetMs: number) => Promise<T>): Promise<T> {
    if (this.closed) throw new DatastoreError('the etcd v3 connection is closed', {code: 'datastore-closed'})
    await this.etcd3()
    const {result, index} = await withFailover(
      {endpoints: this.endpoints, preferred: this.preferred, timeoutMs: this.timeoutMs, tls: this.tls, describe: grpcReason},
      (index, budget) => this.attemptAt(index, budget, attempt),
    )
    this.preferred = index
    return result
  }

  /** One attempt at one endpoint: its client, the call, and a timer that bounds it; a failed endpoint's client is dropped. */
  private async attemptAt<T>(index: number, budget: number, attempt: (client: Etcd3, deadline: Date, budgetMs: number) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    try {
      let client: Etcd3
      try {
        client = this.client(index)
      } catch (error) {
        // grpc builds the secure context here: a key that does not match its certificate.
        const {reason, tls} = grpcReason(error, budget)
        throw new AttemptError(reason, tls || /mismatch|PEM|key/i.test(reason), error)
      }
      // Our timer fires first and closes the channels (dropClient below); the gRPC
      // deadline is only a backstop. Were gRPC's deadline first, etcd3 would reset the
      // host with a 1 s waitForReady that delays the exit of the process.
      const call = attempt(client, new Date(Date.now() + budget + 20), budget)
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new AttemptError(`timed out after ${budget} ms`, false)), budget)
        timer.unref()
      })
      call.catch(() => undefined)
      return await Promise.race([call, timeout])
    } catch (error) {
      if (!isFelixctlError(error)) this.dropClient(index)
      throw error
    } finally {
      if (timer) clearTimeout(timer)
    }
  }

  /** One unary read at each endpoint in order (as withEndpoint does for etcd3's calls). */
  private async read<T>(method: 'Range' | 'Txn', message: Buffer, decode: (answer: Buffer) => T): Promise<T> {
    if (this.closed) throw new DatastoreError('the etcd v3 connection is closed', {code: 'datastore-closed'})
    const {result, index} = await withFailover(
      {endpoints: this.endpoints, preferred: this.preferred, timeoutMs: this.timeoutMs, tls: this.tls, describe: (error) => ({reason: failureReason(error), tls: false})},
      async (i, budget) => {
        const base = this.urls[i]
        let answer: Buffer
        try {
          answer = await grpcUnary(base, method, message, this.tls, budget)
        } catch (error) {
          if (error instanceof GrpcStatusError) {
            throw new DatastoreError(`etcd at ${base.href} refused the read: ${error.message}`, {
              endpoint: base.href,
              code: error.status === 7 || error.status === 16 ? 'datastore-denied' : 'datastore-error',
              hint: error.status === 7 || error.status === 16 ? 'etcd authentication is not supported by Felix 2.0; check the etcd roles' : 'check that the endpoint is an etcd serving the v3 API',
            })
          }
          throw schemeMismatchV3(base, error)
        }
        try {
          return decode(answer)
        } catch (error) {
          throw new AttemptError(`the answer is not an etcd ${method} response (${(error as Error).message})`, false)
        }
      },
    )
    this.preferred = index
    return result
  }

  async readConfig(scope?: ReadScope): Promise<ConfigTree> {
    // ONE round trip: a txn of reads. The host range (all hosts) also returns workload keys
    // (they live under /calico/v1/host/<h>/workload/); they are dropped while decoding, before
    // their values are. Named hosts (scope.hosts): each one's config range, and one key of its
    // directory (any key, values not sent) to tell whether the directory exists.
    const named = scope?.host ? undefined : scope?.hosts
    const hostRanges: RangeRequest[] = named
      ? named.flatMap((h) => {
          const dir = `${HOST_PREFIX}${h}/`
          return [prefixRange(dir + 'config/'), {...prefixRange(dir), limit: 1, keysOnly: true}]
        })
      : [prefixRange(scope?.host ? `${HOST_PREFIX}${scope.host}/config/` : HOST_PREFIX)]
    // One host, and the names of every host directory: every key under /calico/v1/host/, keys only (range 2).
    const listing = Boolean(scope?.host && scope.listHostDirs)
    if (listing) hostRanges.push({...prefixRange(HOST_PREFIX), keysOnly: true})
    const message = encodeTxnOfRanges([prefixRange(CONFIG_PREFIX), ...hostRanges, {key: READY_KEY}])
    return this.read('Txn', message, (answer): ConfigTree => {
      // Every host directory (a key under /calico/v1/host/<h>/), with or without config keys: unscoped reads (and the named hosts, and the listing) only.
      // The decoder shows every key to the filter (workload keys too), before it decodes any value.
      const hostDirs = scope?.host && !listing ? undefined : new Set<string>()
      const keep = (key: string, range: number): boolean => {
        if (hostDirs) {
          const host = hostDirOfKey(key)
          if (host !== null) hostDirs.add(host)
        }
        if (listing && range === 2) return false
        return key === READY_KEY || isConfigKey(key)
      }
      const {revision, ranges} = decodeTxnOfRanges(answer, keep)
      const kvs: Kv[] = []
      // The config ranges: the global one, then (named hosts) every other range, the existence
      // probes in between (keys only: already counted in hostDirs, and their values are empty).
      for (let i = 0; i < ranges.length - 1; i++) {
        if (named && i % 2 === 0 && i > 0) continue
        if (listing && i === 2) continue
        for (const kv of ranges[i].kvs) kvs.push({key: kv.key, value: kv.value, revision: kv.modRevision})
      }
      kvs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      const readyKv = ranges[ranges.length - 1]?.kvs[0]
      return {kvs, ready: readyKv ? readyKv.value : null, revision, ...(hostDirs ? {hostDirs: [...hostDirs].sort()} : {})}
    })
  }

  async get(key: string): Promise<Kv | null> {
    return this.read('Range', encodeRange({key}), (answer) => {
      const kv = decodeRange(answer).range.kvs[0]
      return kv ? {key: kv.key, value: kv.value, revision: kv.modRevision} : null
    })
  }

  async put(key: string, value: string, options: WriteOptions = {}): Promise<WriteResult> {
    const write = {request_put: {key: Buffer.from(key), value: Buffer.from(value), prev_kv: true}}
    return this.casTxn(key, options.ifRevision, write, (res) => {
      const put = (res.responses[0] as unknown as {response_put?: {prev_kv?: IKeyValue}}).response_put
      return {key, previous: put?.prev_kv ? put.prev_kv.value.toString('utf8') : null, revision: String(res.header.revision)}
    })
  }

  async delete(key: string, options: WriteOptions = {}): Promise<WriteResult> {
    const write = {request_delete_range: {key: Buffer.from(key), prev_kv: true}}
    return this.casTxn(key, options.ifRevision, write, (res) => {
      const del = (res.responses[0] as unknown as {response_delete_range?: {prev_kvs?: IKeyValue[]}}).response_delete_range
      const prev = del?.prev_kvs?.[0]
      return {key, previous: prev ? prev.value.toString('utf8') : null, revision: String(res.header.revision)}
    })
  }

  /**
   * One txn: compare mod_revision (or create_revision == 0 for "must not exist"),
   * write on success, read the key on failure to show what is there now.
   */
  private casTxn(
    key: string,
    ifRevision: string | undefined,
    write: Record<string, unknown>,
    ok: (res: ITxnResponse) => WriteResult,
  ): Promise<WriteResult> {
    if (ifRevision !== undefined && !/^\d+$/.test(ifRevision)) {
      return Promise.reject(new WriteRefusedError(`invalid revision ${JSON.stringify(ifRevision)} for ${key}`, {code: 'revision-invalid', hint: 'a revision is a decimal number'}))
    }
    // withEndpoint loads etcd3 before it calls back: its enums exist by then.
    const compare = () => {
      const {CompareResult, CompareTarget} = this.mod as Etcd3Module
      return ifRevision === undefined
        ? []
        : ifRevision === '0'
          ? [{key: Buffer.from(key), result: CompareResult.Equal, target: CompareTarget.Create, create_revision: 0}]
          : [{key: Buffer.from(key), result: CompareResult.Equal, target: CompareTarget.Mod, mod_revision: ifRevision}]
    }
    return this.withEndpoint(async (client, deadline) => {
      const res = await client.kv.txn({compare: compare(), success: [write], failure: [{request_range: {key: Buffer.from(key)}}]}, {deadline})
      if (res.succeeded) return ok(res)
      const range = (res.responses[0] as unknown as {response_range?: IRangeResponse}).response_range
      const current = range?.kvs?.[0] ? toKv(range.kvs[0]) : null
      throw conflictError(key, ifRevision as string, current)
    })
  }

  /**
   * Follow the config directories and the Ready flag: ONE watch stream on the key range
   * [/calico/v1/Ready, /calico/v1/host0) — which holds /calico/v1/Ready, /calico/v1/config/ and
   * /calico/v1/host/ ("R" < "c" < "h"), so every event comes in revision order — keeping only
   * config keys and the flag (workload keys under /calico/v1/host/ are dropped unread).
   *
   * etcd3's own resumption is not used: it restarts from the last response's header revision,
   * which can pass events not yet delivered. Here a dropped stream is cancelled and a new one
   * started from the revision after the last event delivered (etcd never splits one revision's
   * events between responses), at the next endpoint, after a pause. A stream etcd cancels is
   * checked for compaction (a range read at the revision needed): WatchHistoryLost.
   */
  async watchConfig(fromRevision: string, handlers: WatchHandlers, signal: AbortSignal): Promise<void> {
    // Reads go through the JSON-free gRPC reader; a watch stream is etcd3's.
    await this.etcd3()
    let next = BigInt(fromRevision)
    let failures = 0
    let index = this.preferred
    while (!signal.aborted) {
      const end = await this.watchStream(index, next.toString(), handlers, signal, {
        delivered: (revision) => {
          if (revision >= next) next = revision + 1n
        },
        connected: () => {
          if (failures === 0) return
          failures = 0
          handlers.onResumed?.(this.endpoints[index], next.toString())
        },
      })
      if (end.kind === 'aborted' || signal.aborted) return
      if (end.kind === 'canceled') await this.throwIfCompacted(index, next)
      failures++
      handlers.onRetry?.(`${this.endpoints[index]}: ${end.reason}`, next.toString(), failures)
      this.dropClient(index)
      index = (index + 1) % this.urls.length
      await pause(retryDelayMs(failures), signal)
    }
  }

  /** One watch stream from `from`, until it fails, etcd cancels it, or `signal` aborts. */
  private watchStream(
    index: number,
    from: string,
    handlers: WatchHandlers,
    signal: AbortSignal,
    progress: {delivered(revision: bigint): void; connected(): void},
  ): Promise<WatchEnd> {
    return new Promise((resolve) => {
      let watcher: Watcher
      try {
        watcher = this.client(index).watch().inRange({start: Buffer.from(READY_KEY), end: prefixEnd(HOST_PREFIX)}).startRevision(from).watcher()
      } catch (error) {
        resolve({kind: 'failed', reason: grpcReason(error, this.timeoutMs).reason})
        return
      }
      let done = false
      // An endpoint that takes connections and never answers: the stream must be up within the timeout.
      const connectTimer = setTimeout(() => finish({kind: 'failed', reason: `no watch stream after ${this.timeoutMs} ms`}), this.timeoutMs)
      const finish = (end: WatchEnd) => {
        if (done) return
        done = true
        clearTimeout(connectTimer)
        signal.removeEventListener('abort', onAbort)
        watcher.cancel().catch(() => undefined)
        resolve(end)
      }
      const onAbort = () => finish({kind: 'aborted'})
      if (signal.aborted) return onAbort()
      signal.addEventListener('abort', onAbort, {once: true})
      watcher.on('connected', () => {
        clearTimeout(connectTimer)
        if (!done) progress.connected()
      })
      watcher.on('data', (res: IWatchResponse) => {
        if (done) return
        const changes: WatchChange[] = []
        let last = -1n
        for (const ev of res.events) {
          const revision = BigInt(ev.kv.mod_revision)
          if (revision > last) last = revision
          const key = ev.kv.key.toString('utf8')
          if (!isWatchedKey(key)) continue
          changes.push({key, value: /^delete$/i.test(String(ev.type)) ? null : ev.kv.value.toString('utf8'), revision: revision.toString()})
        }
        // A progress notification (no events) says every event up to its header revision was sent.
        if (res.events.length === 0 && res.header?.revision !== undefined) last = BigInt(res.header.revision)
        if (last >= 0n) progress.delivered(last)
        if (changes.length) handlers.onChanges(changes)
      })
      watcher.on('disconnected', (error: unknown) => finish({kind: 'failed', reason: grpcReason(error, this.timeoutMs).reason}))
      watcher.on('error', (error: unknown) => {
        const message = String((error as Error)?.message ?? error)
        finish(/Watcher canceled/i.test(message) ? {kind: 'canceled', reason: message} : {kind: 'failed', reason: grpcReason(error, this.timeoutMs).reason})
      })
    })
  }

  /** etcd cancelled a watch: when the revision it needs was compacted, say so (WatchHistoryLost). */
  private async throwIfCompacted(index: number, revision: bigint): Promise<void> {
    let compacted: string | null = null
    try {
      await this.attemptAt(index, this.timeoutMs, (client, deadline) => client.kv.range({key: Buffer.from(READY_KEY), revision: revision.toString()}, {deadline}))
    } catch (error) {
      const message = String((error as Error)?.message ?? error)
      if (/compacted/i.test(message)) compacted = message.replace(/^.*?(mvcc: )?required revision/i, 'required revision')
    }
    if (compacted !== null) throw new WatchHistoryLost('compacted', revision.toString(), `etcd at ${this.endpoints[index]} no longer holds revision ${revision}: ${compacted}`)
  }

  async close(): Promise<void> {
    this.closed = true
    for (const index of [...this.clients.keys()]) this.dropClient(index)
  }
}
