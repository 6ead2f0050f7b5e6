/**
 * `config watch` (issue 17): follow the config directories and /calico/v1/Ready, and for each
 * change report the key, the raw value before and after, its etcd revision (v2: index) and its
 * impact on the fleet against the state just before it (computeImpact, impact.ts).
 *
 * One read of the datastore gives the starting state and revision; from then on only the
 * driver's watch (src/datastore/watch.ts) is read: config keys, the Ready flag, and v2
 * directory deletions, which this service expands into the deletion of every key it holds
 * under that directory. When etcd no longer holds the history the watch needs (v3 compaction,
 * v2 "event index cleared") the whole state is read again, the difference reported as one
 * `resync` event with its impact, and the watch goes on from the new revision.
 *
 * As in the fleet views, remote hosts' env and file layers are not visible: hosts are evaluated
 * from etcd alone, or with this machine's env and file (--with-local, FelixHostname excepted).
 */
import {UsageError} from '../errors.js'
import {HOST_PREFIX, Kv, READY_KEY} from '../datastore/types.js'
import type {ConfigTree, Datastore} from '../datastore/types.js'
import {WatchChange, WatchHistoryLost, pause, retryDelayMs} from '../datastore/watch.js'
import {getRegistry} from '../params/index.js'
import {realFileProbe} from '../params/kinds.js'
import {resolveFelixConfig} from '../resolve/resolve.js'
import {ConfigContextOptions, readLocalLayers} from './config-context.js'
import {V3_NOTE, openFelixWatch} from './felix-datastore.js'
import {APPLIED_NOTE, HIDDEN_NOTE, fleetLocalLayers} from './config-fleet.js'
import {withFelixProcess} from './felix-process.js'
import {Impact, ImpactOptions, computeImpact} from './impact.js'

export type {Impact} from './impact.js'

export interface WatchOptions extends Omit<ConfigContextOptions, 'host'> {
  /** Only these host directories (with the global directory and Ready); default every one. */
  hosts?: string[]
  /** Apply this machine's env and file layers to every host (FelixHostname excepted). */
  withLocal?: boolean
}

export interface WatchStart {
  type: 'start'
  felixVersion: string
  datastore: string
  endpoints: string[]
  /** The revision (v2: etcd index) of the first read; changes after it are reported. */
  revision: string
  /** Config keys read (global and host directories in scope). */
  keys: number
  /** Host directories in scope, with or without config keys (or the --host ones). */
  hosts: number
  ready: string | null
  localLayers: Impact['localLayers']
  note: string
}

export interface WatchChangeEvent {
  type: 'change'
  revision: string
  key: string
  action: 'put' | 'delete'
  /** The raw value before the change (null: the key did not exist). */
  old: string | null
  /** The raw value after it (null: deleted). */
  new: string | null
  impact: Impact
}

export interface WatchResyncEvent {
  type: 'resync'
  /** Why the watch had to read everything again. */
  reason: 'compacted' | 'index-cleared'
  message: string
  /** The revision the watch needed and etcd no longer held. */
  fromRevision: string
  /** The revision of the new read; the watch goes on after it. */
  revision: string
  /** The keys whose value differs between the state before and the new read, sorted. */
  changes: {key: string; old: string | null; new: string | null}[]
  impact: Impact
}

export type WatchEvent = WatchStart | WatchChangeEvent | WatchResyncEvent

export interface WatchSink {
  event(e: WatchEvent): void
  /** A line for stderr: lost and regained connections, re-reads. */
  notice(text: string): void
}

export interface WatchSummary {
  changes: number
  resyncs: number
}

/** The state the watch holds: config keys in scope and the Ready flag, with an index of each host directory's keys. */
class WatchState {
  readonly values = new Map<string, string>()
  ready: string | null = null
  /** The config keys of each host directory that has some. */
  readonly hostKeys = new Map<string, Set<string>>()
  private readonly globalKeys = new Set<string>()
  private kvsCache: Kv[] | null = null

  constructor(
    tree: ConfigTree,
    private readonly inScope: (key: string) => boolean,
  ) {
    for (const kv of tree.kvs) if (inScope(kv.key)) this.set(kv.key, kv.value)
    this.ready = tree.ready
  }

  get(key: string): string | null {
    return key === READY_KEY ? this.ready : this.values.get(key) ?? null
  }

  set(key: string, value: string | null): void {
    this.kvsCache = null
    if (key === READY_KEY) {
      this.ready = value
      return
    }
    const host = hostOf(key)
    let index = host === null ? this.globalKeys : this.hostKeys.get(host)
    if (value === null) {
      this.values.delete(key)
      index?.delete(key)
      if (host !== null && index?.size === 0) this.hostKeys.delete(host)
      return
    }
    this.values.set(key, value)
    if (!index) this.hostKeys.set(host as string, (index = new Set()))
    index.add(key)
  }

  tree(): {kvs: Kv[]; ready: string | null} {
    this.kvsCache ??= [...this.values].map(([key, value]) => ({key, value}))
    return {kvs: this.kvsCache, ready: this.ready}
  }

  /** The global directory and one host directory: all that a change of that host's keys can affect. */
  treeFor(host: string): {kvs: Kv[]; ready: string | null} {
    const kvs: Kv[] = []
    for (const keys of [this.globalKeys, this.hostKeys.get(host) ?? []]) for (const key of keys) kvs.push({key, value: this.values.get(key)!})
    return {kvs, ready: this.ready}
  }

  /** The keys held under a deleted directory (the Ready flag too when the directory holds it), sorted. */
  under(dir: string): string[] {
    const prefix = dir.endsWith('/') ? dir : dir + '/'
    const keys = [...this.values.keys()].filter((k) => k.startsWith(prefix))
    if (READY_KEY.startsWith(prefix) && this.ready !== null) keys.push(READY_KEY)
    return keys.sort()
  }
}

/** The host directory of a key under /calico/v1/host/, or null. */
function hostOf(key: string): string | null {
  if (!key.startsWith(HOST_PREFIX)) return null
  const slash = key.indexOf('/', HOST_PREFIX.length)
  return slash === -1 ? key.slice(HOST_PREFIX.length) : key.slice(HOST_PREFIX.length, slash)
}

/** Open the datastore the way the fleet views do, read once, then follow it until `signal` aborts. */
export async function configWatch(options: WatchOptions, sink: WatchSink, signal: AbortSignal): Promise<WatchSummary> {
  options = await withFelixProcess(options)
  const registry = getRegistry(options.felixVersion)
  const probe = options.probe ?? realFileProbe()
  const local = readLocalLayers(options)
  for (const w of local.warnings) sink.notice(w)
  // Where Felix on this machine would connect (docs/reference/felix-2.0-config.md §5.4): the local env and file decide.
  const localOnly = resolveFelixConfig({registry, kernelHostname: 'localhost', env: local.env, file: local.file, datastore: {state: 'unavailable', reason: 'not read yet'}, probe})

  const hosts = options.hosts?.length ? new Set(options.hosts) : null
  const inScope = (key: string) => {
    if (!hosts) return true
    const host = hostOf(key)
    return host === null || hosts.has(host)
  }

  const {env, file, warning} = fleetLocalLayers(local, Boolean(options.withLocal))
  if (warning) sink.notice(warning)
  const localLayers: Impact['localLayers'] = options.withLocal ? 'this-machine' : 'hidden'
  const impactOptions: ImpactOptions = {registry, env, file, probe, localLayers}
  /**
   * The host directories every impact counts: those of the last full read (with or without config
   * keys; etcd lists them), or the --host ones. Directories that gain config keys later are
   * added by computeImpact itself.
   */
  const hostDirsOf = (tree: ConfigTree): string[] | undefined => (hosts ? [...hosts].sort() : tree.hostDirs)

  const ds: Datastore = await openFelixWatch(localOnly, options)
  const summary: WatchSummary = {changes: 0, resyncs: 0}
  try {
    if (!ds.watchConfig) throw new UsageError(`config watch needs etcd; the ${ds.kind} datastore cannot be watched`, {hint: 'give --datastore-type etcdv2 or etcdv3'})
    const first = await ds.readConfig()
    if (first.revision === undefined) throw new UsageError(`the ${ds.kind} datastore gave no revision to watch from`)
    // As every view of the v3 store: once, after the read, before the first event.
    if (ds.kind === 'etcdv3') sink.notice(V3_NOTE)
    /** What etcd numbers its changes with. */
    const unit = ds.kind === 'etcdv2' ? 'index' : 'revision'
    if (hosts && first.hostDirs) {
      const missing = [...hosts].filter((h) => !first.hostDirs!.includes(h)).sort()
      if (missing.length) sink.notice(`note: no host directory ${missing.map((h) => JSON.stringify(h)).join(', ')} under ${HOST_PREFIX} yet: watching for one`)
    }
    let state = new WatchState(first, inScope)
    let from = (BigInt(first.revision) + 1n).toString()
    let impactWith = {...impactOptions, hostDirs: hostDirsOf(first)}
    const hostCount = fleetSize(impactWith.hostDirs, state, null)
    sink.event({
      type: 'start',
      felixVersion: registry.felixVersion,
      datastore: ds.kind,
      endpoints: [...ds.endpoints],
      revision: first.revision,
      keys: state.values.size,
      hosts: hostCount,
      ready: state.ready,
      localLayers,
      note: options.withLocal ? APPLIED_NOTE : HIDDEN_NOTE,
    })

    const apply = (key: string, value: string | null, revision: string) => {
      if (key !== READY_KEY && !inScope(key)) return
      const old = state.get(key)
      if (old === null && value === null) return
      const host = key === READY_KEY ? null : hostOf(key)
      let impact: Impact
      if (host === null) {
        const before = state.tree()
        state.set(key, value)
        impact = computeImpact(before, state.tree(), impactWith)
      } else {
        // A host directory's key: only that host's Felix watches it (docs/felix-restarts.md), so only
        // it is evaluated (computeImpact would find every other host unchanged, at the cost of
        // grouping the whole fleet twice); the others are counted as unaffected.
        const before = state.treeFor(host)
        const hadKeys = state.hostKeys.has(host)
        state.set(key, value)
        const part = computeImpact(before, state.treeFor(host), {...impactOptions, hostDirs: [host]})
        const total = fleetSize(impactWith.hostDirs, state, hadKeys ? host : null)
        impact = {...part, hosts: total, unaffected: part.unaffected + total - part.hosts}
      }
      summary.changes++
      sink.event({type: 'change', revision, key, action: value === null ? 'delete' : 'put', old, new: value, impact})
    }
    const onChanges = (changes: WatchChange[]) => {
      for (const c of changes) {
        if (c.dir) for (const key of state.under(c.key)) apply(key, null, c.revision)
        else apply(c.key, c.value, c.revision)
        from = (BigInt(c.revision) + 1n).toString()
      }
    }
    while (!signal.aborted) {
      try {
        await ds.watchConfig(
          from,
          {
            onChanges,
            onRetry: (reason, fromRevision, failures) => {
              // The first failure, then one line in twenty while it lasts.
              if (failures === 1 || failures % 20 === 0) sink.notice(`warning: the watch lost its connection (${reason}); trying again from ${unit} ${fromRevision}${failures > 1 ? ` (${failures} attempts)` : ''}`)
            },
            onResumed: (endpoint, fromRevision) => sink.notice(`note: watching again at ${endpoint} from ${unit} ${fromRevision}`),
          },
          signal,
        )
        break
      } catch (error) {
        if (!(error instanceof WatchHistoryLost)) throw error
        sink.notice(`warning: ${error.detail}: reading the whole state again`)
        const tree = await readAgain(ds, sink, signal)
        if (!tree) break
        const next = new WatchState(tree, inScope)
        const changes = diffStates(state, next)
        // Directories of either read: one that went away with its keys still counts for this change.
        const dirs = impactWith.hostDirs && tree.hostDirs ? [...new Set([...impactWith.hostDirs, ...tree.hostDirs])] : undefined
        const impact = computeImpact(state.tree(), next.tree(), {...impactOptions, hostDirs: hosts ? impactWith.hostDirs : dirs})
        impactWith = {...impactOptions, hostDirs: hostDirsOf(tree)}
        state = next
        summary.resyncs++
        const revision = tree.revision ?? from
        sink.notice(`note: read again at ${unit} ${revision}: ${changes.length} key${changes.length === 1 ? '' : 's'} changed while the history was lost; watching from there`)
        sink.event({type: 'resync', reason: error.kind, message: error.detail, fromRevision: error.fromRevision, revision, changes, impact})
        from = (BigInt(revision) + 1n).toString()
      }
    }
  } finally {
    await ds.close()
  }
  return summary
}

/** Read the whole state again, retrying while etcd cannot be reached; null when `signal` aborted first. */
async function readAgain(ds: Datastore, sink: WatchSink, signal: AbortSignal): Promise<ConfigTree | null> {
  for (let failures = 1; !signal.aborted; failures++) {
    try {
      return await ds.readConfig()
    } catch (error) {
      if (signal.aborted) return null
      if (failures === 1 || failures % 20 === 0) sink.notice(`warning: cannot read the state again (${(error as Error).message}); trying again`)
      await pause(retryDelayMs(failures), signal)
    }
  }
  return null
}

/**
 * The host directories computeImpact counts: the known directories, every one with config keys
 * now, and `alsoHost` (one that held keys just before this change).
 */
function fleetSize(hostDirs: readonly string[] | undefined, state: WatchState, alsoHost: string | null): number {
  const dirs = new Set(hostDirs)
  let n = dirs.size
  for (const h of state.hostKeys.keys()) if (!dirs.has(h)) n++
  if (alsoHost !== null && !dirs.has(alsoHost) && !state.hostKeys.has(alsoHost)) n++
  return n
}

/** Keys (and the Ready flag) whose value differs between two states, sorted by key. */
function diffStates(a: WatchState, b: WatchState): WatchResyncEvent['changes'] {
  const out: WatchResyncEvent['changes'] = []
  for (const [key, old] of a.values) {
    const now = b.values.get(key) ?? null
    if (now !== old) out.push({key, old, new: now})
  }
  for (const [key, now] of b.values) if (!a.values.has(key)) out.push({key, old: null, new: now})
  if (a.ready !== b.ready) out.push({key: READY_KEY, old: a.ready, new: b.ready})
  return out.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
}
