/** `datastore status` and `datastore export`: connect the way Felix would (openFelixDatastore), read both config directories once. */
import {hostsWithConfig} from '../layers/etcd.js'
import {HOST_DIR_VALUE, HOST_PREFIX, READY_KEY, type ConfigTree} from '../datastore/types.js'
import type {ConnectionSources} from '../datastore/calicoctl-settings.js'
import {ConfigContext, ConfigContextOptions, resolveLocal} from './config-context.js'
import {Resolution} from '../resolve/types.js'
import {withFelixProcess} from './felix-process.js'
import {V3_NOTE, openFelixDatastore, type FelixDatastore} from './felix-datastore.js'
import {reachExit} from './exit-codes.js'

export interface DatastoreStatusResult {
  /** Where each part of the connection came from (flag, FELIXCTL_ env, Felix's settings, calicoctl's, default); null for a snapshot. */
  connection: ConnectionSources | null
  /** Notes about calicoctl's settings (an etcd user name felixctl cannot use, a kubernetes datastoreType). */
  notes: string[]
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
  exitCode: 0 | 5
}

/** Felix's view of where the datastore is, from env + file only (docs/reference/felix-2.0-config.md §5.4). */
async function felixLocalView(options: ConfigContextOptions): Promise<Resolution> {
  return resolveLocal(await withFelixProcess(options)).localOnly
}

/** The status from one read (or its failure); `type` and `endpoints` are where felixctl was told to connect. */
function statusOf(opened: Pick<FelixDatastore, 'read' | 'target' | 'readyProblem' | 'elapsedMs' | 'connection'>): DatastoreStatusResult {
  const {type, endpoints} = opened.target
  const {elapsedMs} = opened
  const apiVersion = type === 'snapshot' ? 'snapshot' : type === 'etcdv3' ? 'v3' : type === 'etcdv2' ? 'v2' : 'none'
  const connection = type === 'snapshot' || type === 'kubernetes' || !opened.connection ? null : opened.connection.sources
  const notes = opened.connection?.notes ?? []
  const base = {type, endpoints, apiVersion, ready: null, readyProblem: null, globalKeys: 0, hostsWithConfig: 0, hostKeys: 0, revision: null, elapsedMs, connection, notes} as const
  if (opened.read.kind === 'kubernetes') {
    return {...base, reachable: false, error: 'DatastoreType is kubernetes: Felix 2.0 reads no configuration from etcd', elapsedMs: 0, exitCode: reachExit(true)}
  }
  const tree = opened.read.tree
  if (!tree) return {...base, reachable: false, error: opened.read.unavailable ?? '', exitCode: reachExit(false)}
  const globalKeys = tree.kvs.filter((kv) => kv.key.startsWith('/calico/v1/config/')).length
  return {
    ...base,
    endpoints: opened.read.endpoints,
    reachable: true,
    error: null,
    ready: tree.ready,
    readyProblem: opened.readyProblem,
    globalKeys,
    hostsWithConfig: hostsWithConfig(tree.kvs).length,
    hostKeys: tree.kvs.length - globalKeys,
    revision: tree.revision ?? null,
    exitCode: reachExit(true),
  }
}

export async function datastoreStatus(options: ConfigContextOptions): Promise<DatastoreStatusResult> {
  return statusOf(await openFelixDatastore({localOnly: await felixLocalView(options), options, onError: 'report', view: 'status'}))
}

/**
 * The status from a context that already read every host directory (doctor reads the datastore
 * once for all its parts), or null when the context did not read it (Felix would stop before connecting).
 */
export function datastoreStatusOfContext(ctx: ConfigContext): DatastoreStatusResult | null {
  const read = ctx.datastoreRead
  if (read.kind === 'none' && read.unavailable === undefined) return null
  return statusOf({read, ...ctx.datastore})
}

export interface DatastoreExportResult {
  /** The snapshot document: etcd key -> value, keys sorted; the format --snapshot reads (a host directory without config keys: `/calico/v1/host/<h>/` -> ""). */
  snapshot: Record<string, string>
  keys: number
  source: {type: string; endpoints: string[]}
  /** Notes for stderr: the v3 note when the keys came from the v3 store. */
  warnings: string[]
}

export async function datastoreExport(options: ConfigContextOptions): Promise<DatastoreExportResult> {
  const {read, target} = await openFelixDatastore({localOnly: await felixLocalView(options), options, onError: 'throw', view: 'status'})
  const tree: ConfigTree = read.tree ?? {kvs: [], ready: null}
  const entries: [string, string][] = tree.kvs.map((kv) => [kv.key, kv.value])
  if (tree.ready !== null) entries.push([READY_KEY, tree.ready])
  // A host directory without config keys (workloads only, say) is still one the fleet views list:
  // kept as its directory key, which the snapshot driver reads back as a host directory.
  const withConfig = new Set(hostsWithConfig(tree.kvs))
  for (const h of tree.hostDirs ?? []) if (!withConfig.has(h)) entries.push([`${HOST_PREFIX}${h}/`, HOST_DIR_VALUE])
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  // With DatastoreType kubernetes nothing is read: the source is where Felix is configured to look.
  const source = read.kind === 'kubernetes' ? {type: target.type, endpoints: target.endpoints} : {type: read.kind, endpoints: read.endpoints}
  return {snapshot: Object.fromEntries(entries), keys: entries.length, source, warnings: read.kind === 'etcdv3' ? [V3_NOTE] : []}
}
