/**
 * Opening Felix's datastore the way Felix would: the one function every command reads the
 * datastore through (config get|list|validate|set|unset, the fleet views, datastore
 * status|export, doctor). It holds, in one place:
 *
 * - where to connect: felixctl's flags, Felix's own settings from env + file (docs/reference/felix-2.0-config.md §5.4), then calicoctl's
 *   (connectionFor; docs/architecture.md "Where felixctl connects");
 * - the kubernetes check: with DatastoreType kubernetes Felix 2.0 has no etcd layers (§3), so
 *   nothing is read;
 * - the snapshot exception: --snapshot is read whatever DatastoreType says, and its Ready flag is
 *   data (reported by `datastore status`), not a live wait (no warning);
 * - the Ready warning (Felix waits until /calico/v1/Ready is "true") and the note that the v3
 *   store is not what Felix 2.0 reads;
 * - what a failed read becomes: an error, a partial result (--allow-partial), or a finding.
 *
 * It returns the tree, where it was read from, and the warnings for stderr.
 */
import {DatastoreError, UsageError} from '../errors.js'
import {readyProblem} from '../datastore/index.js'
import type {ConfigTree, Datastore, DatastoreConnection, ReadScope} from '../datastore/types.js'
import type {Resolution} from '../resolve/types.js'
import {ConnectionOrigin, ConnectionSources, Sourced, SourcedConnection, needsCalicoctl, pickConnectionPart, readCalicoctlSettings} from '../datastore/calicoctl-settings.js'

export interface DatastoreOptions {
  snapshot?: string
  datastoreType?: 'etcdv2' | 'etcdv3' | 'kubernetes'
  etcdEndpoints?: string[]
  etcdCaFile?: string
  etcdCertFile?: string
  etcdKeyFile?: string
  /** --calicoctl-config: calicoctl's own settings file (default /etc/calico/calicoctl.cfg, read only where Felix's settings are absent). */
  calicoctlConfig?: string
  /** The environment calicoctl's ETCD_* variables and felixctl's FELIXCTL_* ones are read from (default: process.env). */
  processEnv?: NodeJS.ProcessEnv
  timeoutMs?: number
  /** Show env and file layers when the datastore cannot be reached. */
  allowPartial?: boolean
  /** Read every host's config directory, not only the evaluated host's (validate --all-hosts). */
  readAllHosts?: boolean
  /** With one host's directories: also the names of every host directory (the impact of a per-host write counts them). */
  listHostDirs?: boolean
}

export interface DatastoreRead {
  /** What felixctl read from: the snapshot path, the endpoints it connected to, or nothing. */
  kind: 'etcdv2' | 'etcdv3' | 'snapshot' | 'kubernetes' | 'none'
  endpoints: string[]
  ready: string | null
  /** Set when --allow-partial kept going without the datastore. */
  unavailable?: string
  tree?: ConfigTree
}

/** §3.5: Felix 2.0 reads etcd through the v2 API; etcd 3.4 keeps the v2 and v3 key spaces apart. */
export const V3_NOTE = 'note: Felix 2.0 reads etcd through the v2 API; these are the keys in the v3 store (--datastore-type etcdv3), which Felix itself does not see'

/**
 * The notes each view prints about what it read (the views word the kubernetes case for what they show).
 * The v3 note goes with every view that shows Felix's configuration from the v3 store (config watch
 * prints it itself; datastore export with its summary line); `datastore status` reports the API it
 * read as data (`apiVersion`).
 */
const VIEW_NOTES = {
  config: {kubernetes: 'note: DatastoreType is kubernetes: the per-host and global etcd layers do not exist', v3: true},
  fleet: {kubernetes: 'note: DatastoreType is kubernetes: there are no etcd host directories to compare', v3: true},
  status: {kubernetes: null, v3: false},
} as const

export interface OpenFelixDatastoreRequest {
  /** Felix's resolution of env + file alone: what Felix itself connects with (§5.4). */
  localOnly: Resolution
  options: DatastoreOptions
  /** Which directories to read; undefined: every host directory. */
  scope?: ReadScope
  /** Felix stops before connecting (why), so felixctl does not connect either; null: it connects. */
  stopsBeforeConnecting?: string | null
  /** A DatastoreError: thrown, a partial result with a warning (--allow-partial), or returned as a finding. */
  onError: 'throw' | 'partial' | 'report'
  /** Which notes go to stderr (see VIEW_NOTES). */
  view: keyof typeof VIEW_NOTES
}

export interface FelixDatastore {
  read: DatastoreRead
  /** Where felixctl was told to read: `snapshot` and its path, or the connection's type and endpoints. */
  target: {type: 'snapshot' | DatastoreConnection['type']; endpoints: string[]}
  /** The failed read, with onError 'report' or 'partial'. */
  error: DatastoreError | null
  /** What the Ready flag read says, as a finding of `datastore status` (a snapshot without the key: none). */
  readyProblem: string | null
  /** Why Felix would wait at start-up: the Ready problem of a live read (the snapshot exception: never for a snapshot). */
  felixWaits: string | null
  /** Where felixctl connected and where each part of that came from (null for a snapshot). */
  connection: SourcedConnection | null
  /** Notes and warnings for stderr, in order. */
  warnings: string[]
  elapsedMs: number
}

/** Where felixctl connects: one place for the precedence (docs/architecture.md, "Where felixctl connects"). */
export async function connectionFor(resolution: Resolution, options: DatastoreOptions): Promise<SourcedConnection> {
  const felixType = resolution.datastore.type
  const type = options.datastoreType ?? (felixType === 'kubernetes' ? 'kubernetes' : 'etcdv2')
  const env = options.processEnv ?? process.env
  // A flag and its FELIXCTL_ variable reach felixctl as one value (oclif): the variable is named when it holds that value.
  const explicit = <T>(value: T | undefined, flag: string, envName: string, same: (v: T, text: string) => boolean): Sourced<T> | undefined => {
    if (value === undefined) return undefined
    const text = env[envName]
    return {value, origin: text !== undefined && same(value, text) ? {source: 'felixctl-env', name: envName} : {source: 'flag', name: flag}}
  }
  const sameList = (v: string[], text: string) => v.join(',') === text.split(',').map((s) => s.trim()).filter(Boolean).join(',')
  const sameText = (v: string, text: string) => v === text
  const felixParam = (name: string) => {
    const p = resolution.params.find((q) => q.name === name)
    if (!p || (p.source !== 'env' && p.source !== 'file')) return undefined
    return {value: p.value, origin: {source: 'felix', name: p.origin.name ?? p.name, path: p.origin.path, line: p.origin.line} as ConnectionOrigin}
  }
  const felixEndpoints = ['EtcdEndpoints', 'EtcdAddr', 'EtcdScheme'].map(felixParam).find((p) => p !== undefined && (!Array.isArray(p.value) || p.value.length > 0))
    ?? ['EtcdAddr', 'EtcdScheme', 'EtcdEndpoints'].map(felixParam).find((p) => p !== undefined)
  const felixFile = (name: string): Sourced<string> | undefined => {
    const p = felixParam(name)
    return p && {value: String(p.value), origin: p.origin}
  }
  const parts = {
    endpoints: {
      flag: explicit(options.etcdEndpoints?.length ? options.etcdEndpoints : undefined, '--etcd-endpoints', 'FELIXCTL_ETCD_ENDPOINTS', sameList),
      felix: felixEndpoints && {value: resolution.datastore.endpoints, origin: felixEndpoints.origin},
      fallback: {value: resolution.datastore.endpoints, origin: {source: 'default', name: 'EtcdScheme://EtcdAddr'}} as Sourced<string[]>,
    },
    caFile: {flag: explicit(options.etcdCaFile, '--etcd-ca-file', 'FELIXCTL_ETCD_CA_FILE', sameText), felix: felixFile('EtcdCaFile'), fallback: null},
    certFile: {flag: explicit(options.etcdCertFile, '--etcd-cert-file', 'FELIXCTL_ETCD_CERT_FILE', sameText), felix: felixFile('EtcdCertFile'), fallback: null},
    keyFile: {flag: explicit(options.etcdKeyFile, '--etcd-key-file', 'FELIXCTL_ETCD_KEY_FILE', sameText), felix: felixFile('EtcdKeyFile'), fallback: null},
  }
  // calicoctl's own settings only where neither a flag nor Felix gives a part, and only for etcd.
  const calicoctl = type !== 'kubernetes' && options.snapshot === undefined && needsCalicoctl(parts) ? await readCalicoctlSettings(options.calicoctlConfig, env) : null
  const sources: ConnectionSources = {
    endpoints: pickConnectionPart({...parts.endpoints, calicoctl: calicoctl?.endpoints})!,
    caFile: pickConnectionPart({...parts.caFile, calicoctl: calicoctl?.caFile}),
    certFile: pickConnectionPart({...parts.certFile, calicoctl: calicoctl?.certFile}),
    keyFile: pickConnectionPart({...parts.keyFile, calicoctl: calicoctl?.keyFile}),
  }
  const nonEmpty = (s?: Sourced<string> | null) => (s?.value ? s.value : undefined)
  return {
    type,
    endpoints: sources.endpoints.value,
    caFile: nonEmpty(sources.caFile),
    certFile: nonEmpty(sources.certFile),
    keyFile: nonEmpty(sources.keyFile),
    timeoutMs: options.timeoutMs ?? 5000,
    sources,
    notes: calicoctl?.notes ?? [],
  }
}

/** The driver for the snapshot or the connection (loaded by dynamic import); the write path of `config set|unset` uses it too. */
export async function openConfiguredDatastore(resolution: Resolution, options: DatastoreOptions, connection?: DatastoreConnection): Promise<Datastore> {
  const {openDatastore} = await import('../datastore/index.js')
  if (options.snapshot !== undefined) return openDatastore({type: 'snapshot', path: options.snapshot})
  return openDatastore(connection ?? (await connectionFor(resolution, options)))
}

/** Read Felix's datastore once, the way Felix would (see the module comment). */
export async function openFelixDatastore(request: OpenFelixDatastoreRequest): Promise<FelixDatastore> {
  const {localOnly, options} = request
  const notes = VIEW_NOTES[request.view]
  const warnings: string[] = []
  const conn = await connectionFor(localOnly, options)
  const isSnapshot = options.snapshot !== undefined
  const target = isSnapshot ? {type: 'snapshot' as const, endpoints: [options.snapshot!]} : {type: conn.type, endpoints: conn.endpoints}
  const connection = isSnapshot ? null : conn
  const none = (read: DatastoreRead, error: DatastoreError | null = null, elapsedMs = 0): FelixDatastore => ({read, target, error, readyProblem: null, felixWaits: null, connection, warnings, elapsedMs})
  // The kubernetes check (a snapshot is read whatever DatastoreType says).
  if (!isSnapshot && conn.type === 'kubernetes') {
    if (notes.kubernetes) warnings.push(notes.kubernetes)
    return none({kind: 'kubernetes', endpoints: [], ready: null})
  }
  // Felix never gets to connect; neither do we.
  if (request.stopsBeforeConnecting && !isSnapshot) return none({kind: 'none', endpoints: [], ready: null})
  const t0 = Date.now()
  let ds: Datastore | undefined
  try {
    ds = await openConfiguredDatastore(localOnly, options, conn)
    const tree = await ds.readConfig(request.scope)
    const elapsedMs = Date.now() - t0
    // The snapshot exception: its Ready flag is data; a missing one is no finding and no snapshot warns.
    const problem = isSnapshot && tree.ready === null ? null : readyProblem(tree.ready)
    const felixWaits = ds.kind === 'snapshot' ? null : problem
    if (felixWaits) warnings.push(`warning: ${felixWaits}`)
    if (ds.kind === 'etcdv3' && notes.v3) warnings.push(V3_NOTE)
    return {read: {kind: ds.kind, endpoints: [...ds.endpoints], ready: tree.ready, tree}, target, error: null, readyProblem: problem, felixWaits, connection, warnings, elapsedMs}
  } catch (error) {
    if (!(error instanceof DatastoreError) || request.onError === 'throw') throw error
    const elapsedMs = Date.now() - t0
    if (request.onError === 'report') return none({kind: 'none', endpoints: error.endpoint ? [error.endpoint] : [], ready: null, unavailable: error.message}, error, elapsedMs)
    warnings.push(`warning: ${error.message}; showing the env and file layers only (partial result)`)
    return none({kind: 'none', endpoints: error.endpoint ? [error.endpoint] : [], ready: null, unavailable: error.message}, error, elapsedMs)
  } finally {
    await ds?.close()
  }
}

/** The host directories of a snapshot file (with or without config keys), for shell completion (no Felix rules apply). */
export async function snapshotHostDirs(path: string): Promise<string[]> {
  const {openDatastore} = await import('../datastore/index.js')
  const ds = await openDatastore({type: 'snapshot', path})
  try {
    return (await ds.readConfig()).hostDirs ?? []
  } finally {
    await ds.close()
  }
}

/**
 * `config watch`: the live etcd Felix would connect to, left open for the first read, the watch
 * and the re-reads after lost history. A snapshot does not change and DatastoreType kubernetes has
 * no etcd configuration: both are usage errors.
 */
export async function openFelixWatch(localOnly: Resolution, options: DatastoreOptions): Promise<Datastore> {
  if (options.snapshot !== undefined) {
    throw new UsageError('config watch follows a live etcd: a snapshot does not change', {hint: 'give --etcd-endpoints (or the etcd settings of felix.cfg) instead of --snapshot'})
  }
  const conn = await connectionFor(localOnly, options)
  if (conn.type === 'kubernetes') {
    throw new UsageError('with DatastoreType kubernetes Felix 2.0 reads no configuration from etcd: there is nothing to watch', {hint: 'give --datastore-type etcdv2 (what Felix 2.0 reads) or etcdv3'})
  }
  return openConfiguredDatastore(localOnly, options, conn)
}
