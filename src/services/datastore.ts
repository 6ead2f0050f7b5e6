/** `datastore status` and `datastore export`: connect the way Felix would, read both config directories once. */
import {DatastoreError} from '../errors.js'
import {hostsWithConfig} from '../layers/etcd.js'
import {ConfigTree, READY_KEY} from '../datastore/types.js'
import type {ConnectionSources, SourcedConnection} from '../datastore/calicoctl-settings.js'
import {ConfigContext, ConfigContextOptions, connectionFor, openConfiguredDatastore, readyWarning, resolveLocal} from './config-context.js'
import {Resolution} from '../resolve/types.js'
import {withFelixProcess} from './felix-process.js'

export interface DatastoreStatusResult {
  type: string
  endpoints: string[]
  apiVersion: 'v2' | 'v3' | 'snapshot' | 'none'
  reachable: boolean
  error: string | null
  ready: string | null
  readyProblem: string | null
  globalKeys: number
  hostsWithConfig: number
  hostKeys: number
  revision: string | null
  elapsedMs: number
  /** Where each part of the connection came from (flag, FELIXCTL_ env, Felix's settings, calicoctl's, default); null for a snapshot. */
  connection: ConnectionSources | null
  /** Notes about calicoctl's settings (an etcd user name felixctl cannot use, a kubernetes datastoreType). */
  notes: string[]
  exitCode: 0 | 5
}

/** Felix's view of where the datastore is, from env + file only (docs/reference/felix-2.0-config.md §5.4). */
async function felixLocalView(options: ConfigContextOptions): Promise<Resolution> {
  return resolveLocal(await withFelixProcess(options)).localOnly
}

type ReadOutcome = {tree: ConfigTree; endpoints: string[]} | {error: string}

/** The status from one read (or its failure); `type` and `endpoints` are where felixctl connected. */
function statusOf(type: string, endpoints: string[], outcome: ReadOutcome, elapsedMs: number, conn: SourcedConnection | null): DatastoreStatusResult {
  const apiVersion = type === 'snapshot' ? 'snapshot' : type === 'etcdv3' ? 'v3' : type === 'etcdv2' ? 'v2' : 'none'
  const connection = type === 'snapshot' || type === 'kubernetes' || !conn ? null : conn.sources
  const notes = conn?.notes ?? []
  const base = {type, endpoints, apiVersion, ready: null, readyProblem: null, globalKeys: 0, hostsWithConfig: 0, hostKeys: 0, revision: null, elapsedMs, connection, notes} as const
  if (type === 'kubernetes') {
    return {...base, reachable: false, error: 'DatastoreType is kubernetes: Felix 2.0 reads no configuration from etcd', elapsedMs: 0, exitCode: 0}
  }
  if ('error' in outcome) return {...base, reachable: false, error: outcome.error, exitCode: 5}
  const {tree} = outcome
  const globalKeys = tree.kvs.filter((kv) => kv.key.startsWith('/calico/v1/config/')).length
  return {
    ...base,
    endpoints: outcome.endpoints,
    reachable: true,
    error: null,
    ready: tree.ready,
    readyProblem: type === 'snapshot' && tree.ready === null ? null : readyWarning(tree.ready),
    globalKeys,
    hostsWithConfig: hostsWithConfig(tree.kvs).length,
    hostKeys: tree.kvs.length - globalKeys,
    revision: tree.revision ?? null,
    exitCode: 0,
  }
}

export async function datastoreStatus(options: ConfigContextOptions): Promise<DatastoreStatusResult> {
  const view = await felixLocalView(options)
  const conn = await connectionFor(view, options)
  const type = options.snapshot !== undefined ? 'snapshot' : conn.type
  const endpoints = options.snapshot !== undefined ? [options.snapshot] : conn.endpoints
  const t0 = Date.now()
  if (type === 'kubernetes') return statusOf(type, endpoints, {error: ''}, 0, conn)
  const ds = await openConfiguredDatastore(view, options)
  try {
    const tree = await ds.readConfig()
    return statusOf(type, endpoints, {tree, endpoints: [...ds.endpoints]}, Date.now() - t0, conn)
  } catch (error) {
    if (!(error instanceof DatastoreError)) throw error
    return statusOf(type, endpoints, {error: error.message}, Date.now() - t0, conn)
  } finally {
    await ds.close()
  }
}

/**
 * The status from a context that already read every host directory (doctor reads the datastore
 * once for all its parts), or null when the context did not read it (Felix would stop before connecting).
 */
export async function datastoreStatusOfContext(ctx: ConfigContext, options: ConfigContextOptions, elapsedMs: number): Promise<DatastoreStatusResult | null> {
  const read = ctx.datastoreRead
  if (read.kind === 'none' && read.unavailable === undefined) return null
  // The options went through withFelixProcess with the context (doctor reads the process once).
  const conn = await connectionFor(resolveLocal(options).localOnly, options)
  const type = options.snapshot !== undefined ? 'snapshot' : conn.type
  const endpoints = options.snapshot !== undefined ? [options.snapshot] : conn.endpoints
  if (read.tree) return statusOf(type, endpoints, {tree: read.tree, endpoints: read.endpoints}, elapsedMs, conn)
  return statusOf(type, endpoints, {error: read.unavailable ?? ''}, elapsedMs, conn)
}

export interface DatastoreExportResult {
  /** The snapshot document: etcd key -> value, keys sorted; the format --snapshot reads. */
  snapshot: Record<string, string>
  keys: number
  source: {type: string; endpoints: string[]}
}

export async function datastoreExport(options: ConfigContextOptions): Promise<DatastoreExportResult> {
  const view = await felixLocalView(options)
  const ds = await openConfiguredDatastore(view, options)
  try {
    const tree = await ds.readConfig()
    const entries: [string, string][] = tree.kvs.map((kv) => [kv.key, kv.value])
    if (tree.ready !== null) entries.push([READY_KEY, tree.ready])
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return {snapshot: Object.fromEntries(entries), keys: entries.length, source: {type: ds.kind, endpoints: [...ds.endpoints]}}
  } finally {
    await ds.close()
  }
}
