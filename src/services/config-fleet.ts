/**
 * Fleet views (issue 8): `config list --all-hosts`, `config get NAME --all-hosts`,
 * `config diff --host A [--host B]`. One read of the datastore (readConfig: one v3 txn of
 * range reads, or one recursive v2 GET), one pass to group the keys by host directory,
 * then every host directory evaluated with the resolver (fast path in fleet-eval.ts).
 *
 * Every host directory under /calico/v1/host/ is a host, with or without config keys (a
 * directory of workloads only): the read names them (ConfigTree.hostDirs). Felix on a host
 * whose directory holds no config key runs on the global layer alone, so such a host gets the
 * result of the empty key set, which the evaluator computes once for all of them.
 *
 * Remote hosts' env and file layers are invisible: by default each host is evaluated with
 * no env and no config file, i.e. what etcd alone gives it. With --with-local, this
 * machine's env and file apply to every host, except FelixHostname: that names this
 * machine's own host directory and would send every host to it, so it is dropped.
 */
import {NotFoundError, UsageError} from '../errors.js'
import {didYouMean} from '../lib/did-you-mean.js'
import {CONFIG_PREFIX, HOST_PREFIX, Kv, ReadScope, plainHostDirName} from '../datastore/types.js'
import {Origin, RawEntry, SourceName} from '../layers/types.js'
import {getRegistry, lookupParam, requireParam, sameParamName} from '../params/index.js'
import {realFileProbe} from '../params/kinds.js'
import {ParamDef, Registry, TypedValue} from '../params/types.js'
import {FileLayerInput, resolveFelixConfig} from '../resolve/resolve.js'
import {Diagnostic, Fatal} from '../resolve/types.js'
import {ConfigContextOptions, readLocalLayers} from './config-context.js'
import {paramNameFromInput} from './config-query.js'
import {openFelixDatastore, type DatastoreRead} from './felix-datastore.js'
import {withFelixProcess} from './felix-process.js'
import {FleetCell, FleetEvaluator, sameTypedValue} from './fleet-eval.js'

export type {FleetCell, HostEvaluation} from './fleet-eval.js'
export {sameTypedValue} from './fleet-eval.js'

export interface FleetOptions extends Omit<ConfigContextOptions, 'host'> {
  /** Apply this machine's env and file layers to every host (FelixHostname excepted). */
  withLocal?: boolean
  /** Only these parameters (names case-insensitive); default every parameter etcd can set. */
  params?: string[]
  /** false: the full resolver for every host (slower; the fast path's reference). */
  fast?: boolean
}

/** What the datastore read was, without the keys (they are not kept after evaluation). */
export type FleetReadFrom = Omit<DatastoreRead, 'tree'> & {revision?: string}

export interface FleetContext {
  felixVersion: string
  registry: Registry
  readFrom: FleetReadFrom
  localLayers: 'hidden' | 'applied'
  note: string
  params: string[]
  /** Host directories with config keys, sorted. */
  hostNames: string[]
  /** Every host directory under /calico/v1/host/ (with or without config keys), sorted: the hosts of the fleet views. */
  hostDirs: string[]
  evaluator: FleetEvaluator
  /** Config keys per host directory (one pass over the read). */
  byHost: Map<string, HostKv[]>
  /** The global config keys. */
  globalKvs: Kv[]
  warnings: string[]
}

export const HIDDEN_NOTE = "the env and file layers of remote hosts are not visible: each host is evaluated with etcd's per-host and global layers only (--with-local applies this machine's env and config file to every host)"
export const APPLIED_NOTE = "this machine's env and config file are applied to every host (--with-local), FelixHostname excepted: each host directory is evaluated as its own FelixHostname"

/** Compared parameters: the named ones, or every parameter etcd can set (local-only ones never differ by host). */
export function fleetParams(registry: Registry, names: string[] | undefined): ParamDef[] {
  if (!names?.length) return registry.params.filter((p) => !p.localOnly)
  const picked = new Set<string>()
  for (const n of names) {
    // As `config get` takes it: any case, FELIX_NAME or an etcd key (every host is shown: a per-host key's host does not narrow it).
    const def = requireParam(registry, paramNameFromInput(n).name, n)
    if (def.localOnly) {
      throw new UsageError(`${def.name} is local-only: Felix never reads it from etcd, so the datastore cannot make it differ between hosts`, {
        param: def.name,
        hint: `use felixctl config get ${def.name} --host NODE to see it for one host`,
      })
    }
    picked.add(def.name)
  }
  return registry.params.filter((p) => picked.has(p.name))
}

function stripFelixHostname(entries: readonly RawEntry[]): {kept: RawEntry[]; dropped: RawEntry[]} {
  const kept: RawEntry[] = []
  const dropped: RawEntry[] = []
  for (const e of entries) (sameParamName(e.key, 'FelixHostname') ? dropped : kept).push(e)
  return {kept, dropped}
}

/**
 * The env and file layers every host is evaluated with: none, or (--with-local) this
 * machine's without FelixHostname, with the note that says so when it was dropped.
 */
export function fleetLocalLayers(local: {env: readonly RawEntry[]; file: FileLayerInput}, withLocal: boolean): {env: readonly RawEntry[]; file: FileLayerInput; warning: string | null} {
  if (!withLocal) return {env: [], file: {state: 'absent'}, warning: null}
  const e = stripFelixHostname(local.env)
  let file = local.file
  const dropped = [...e.dropped]
  if (local.file.state === 'loaded') {
    const f = stripFelixHostname(local.file.entries)
    file = {...local.file, entries: f.kept}
    dropped.push(...f.dropped)
  }
  const warning = dropped.length ? `note: --with-local: FelixHostname=${JSON.stringify(dropped[0].raw)} from this machine is not applied; each host directory is evaluated as its own FelixHostname` : null
  return {env: e.kept, file, warning}
}

/** A host directory's config key, with the parameter name as spelt (parsed once). */
export interface HostKv {
  name: string
  kv: Kv
}

/**
 * A key a host directory (or the global directory) itself holds for a compared parameter.
 * Reported for a host whose Felix would not start: after a datastore-stage failure Felix
 * reports the values of its last successful pass (docs/reference/felix-2.0-config.md §5.7), so the effective
 * values alone would make such a host look as if its directory set nothing.
 */
export interface OwnSetting {
  /** Canonical parameter name. */
  name: string
  /** The key's last segment as spelt in etcd. */
  key: string
  raw: string
  origin: Origin
}

/** The keys among `entries` that name a compared parameter, in registry order (then as read). */
export function ownSettings(registry: Registry, params: readonly string[], entries: readonly HostKv[]): OwnSetting[] {
  const index = new Map(params.map((n, i) => [n, i]))
  const out: {i: number; s: OwnSetting}[] = []
  for (const {name, kv} of entries) {
    const def = lookupParam(registry, name)
    const i = def ? index.get(def.name) : undefined
    if (def && i !== undefined) out.push({i, s: {name: def.name, key: name, raw: kv.value, origin: {type: 'etcd', key: kv.key}}})
  }
  return out.sort((a, b) => a.i - b.i).map((x) => x.s)
}

/** Global config keys as HostKv (name = the key's last segment). */
function globalEntries(kvs: readonly Kv[]): HostKv[] {
  return kvs.filter((kv) => kv.key.indexOf('/', CONFIG_PREFIX.length) === -1 && kv.key.length > CONFIG_PREFIX.length).map((kv) => ({name: kv.key.slice(CONFIG_PREFIX.length), kv}))
}

/**
 * One pass over the read: global keys, and config keys grouped by host directory.
 * Same rule as parseHostConfigKey (/calico/v1/host/<host>/config/<Name>, both non-empty),
 * with indexOf instead of split: this loop sees every key of the fleet.
 */
export function groupFleetKvs(kvs: readonly Kv[]): {globalKvs: Kv[]; byHost: Map<string, HostKv[]>} {
  const globalKvs: Kv[] = []
  const byHost = new Map<string, HostKv[]>()
  const start = HOST_PREFIX.length
  for (const kv of kvs) {
    const key = kv.key
    if (key.startsWith(CONFIG_PREFIX)) {
      globalKvs.push(kv)
      continue
    }
    if (!key.startsWith(HOST_PREFIX)) continue
    const slash = key.indexOf('/', start)
    if (slash <= start || !key.startsWith('/config/', slash)) continue
    const nameStart = slash + 8
    if (nameStart >= key.length || key.indexOf('/', nameStart) !== -1) continue
    const host = key.slice(start, slash)
    const entry = {name: key.slice(nameStart), kv}
    const list = byHost.get(host)
    if (list) list.push(entry)
    else byHost.set(host, [entry])
  }
  return {globalKvs, byHost}
}

/**
 * Read the datastore once and prepare the evaluator. With `scope.hosts`, only those host
 * directories are read (config diff); hostDirs then holds those of them that exist.
 */
export async function buildFleetContext(options: FleetOptions, scope?: ReadScope): Promise<FleetContext> {
  options = await withFelixProcess(options)
  const registry = getRegistry(options.felixVersion)
  const params = fleetParams(registry, options.params)
  const probe = options.probe ?? realFileProbe()
  const local = readLocalLayers(options)
  const warnings = [...local.warnings]
  // Where Felix on this machine would connect (§5.4): the local env and file decide.
  const localOnly = resolveFelixConfig({registry, kernelHostname: BASELINE_CONNECT_HOST, env: local.env, file: local.file, datastore: {state: 'unavailable', reason: 'not read yet'}, probe})
  if (localOnly.fatal && options.snapshot === undefined && options.etcdEndpoints === undefined) {
    warnings.push(`warning: this machine's Felix would stop before connecting (${localOnly.fatal.message}); connecting with the settings it would have used`)
  }
  const opened = await openFelixDatastore({localOnly, options, scope, onError: 'throw', view: 'fleet'})
  warnings.push(...opened.warnings)
  const {tree, ...read} = opened.read
  const kvs: Kv[] = tree?.kvs ?? []
  const readFrom: FleetReadFrom = tree ? {...read, revision: tree.revision} : read
  const {globalKvs, byHost} = groupFleetKvs(kvs)
  const hostNames = [...byHost.keys()].sort()

  const {env, file, warning} = fleetLocalLayers(local, Boolean(options.withLocal))
  if (warning) warnings.push(warning)
  const evaluator = new FleetEvaluator({registry, params, env, file, globalKvs, probe, fast: options.fast})
  return {
    felixVersion: registry.felixVersion,
    registry,
    readFrom,
    localLayers: options.withLocal ? 'applied' : 'hidden',
    note: options.withLocal ? APPLIED_NOTE : HIDDEN_NOTE,
    params: params.map((p) => p.name),
    hostNames,
    hostDirs: everyHostDir(tree?.hostDirs, hostNames),
    evaluator,
    byHost,
    globalKvs,
    warnings,
  }
}

/**
 * Every host directory: those the read names (sorted by the driver) and, should a driver name
 * none, those with config keys. Both sorted; the merge keeps the read's array when it holds them all.
 */
export function everyHostDir(read: readonly string[] | undefined, withConfig: readonly string[]): string[] {
  if (!read) return [...withConfig]
  const known = new Set(read)
  const extra = withConfig.filter((h) => !known.has(h))
  return extra.length ? [...read, ...extra].sort() : [...read]
}

/** The config keys of a host directory that holds none: one shared empty list. */
const NO_KEYS: readonly HostKv[] = Object.freeze([])

/** A host's config keys (none for a directory without config keys). */
function keysOf(ctx: FleetContext, host: string): readonly HostKv[] {
  return ctx.byHost.get(host) ?? NO_KEYS
}

function hasHost(ctx: FleetContext, host: string): boolean {
  return ctx.byHost.has(host) || ctx.hostDirs.includes(host)
}

/** A host directory name given by the user must exist (with or without config keys). */
function requireHost(ctx: FleetContext, host: string): void {
  if (hasHost(ctx, host)) return
  const close = didYouMean(host, ctx.hostDirs)
  throw new NotFoundError(`no host directory ${JSON.stringify(host)} under /calico/v1/host/ (${ctx.hostDirs.length} host ${ctx.hostDirs.length === 1 ? 'directory' : 'directories'})`, {
    hint: close.length ? `did you mean ${close.join(' or ')}?` : 'felixctl config list --all-hosts lists the host directories',
    code: 'unknown-host',
  })
}

const BASELINE_CONNECT_HOST = 'localhost'

export function valueKey(v: TypedValue): string {
  if (typeof v === 'number') return `n:${Number.isNaN(v) ? 'NaN' : String(v)}`
  return JSON.stringify(v)
}


function sameValue(a: FleetCell, b: FleetCell): boolean {
  return a === b || sameTypedValue(a.value, b.value)
}

function globalOwn(ctx: FleetContext): OwnSetting[] | null {
  return ctx.evaluator.baseline.fatal ? ownSettings(ctx.registry, ctx.params, globalEntries(ctx.globalKvs)) : null
}

// ---------------------------------------------------------------- config list --all-hosts

export interface FleetHostRow {
  host: string
  fatal: Fatal | null
  /** Cells that differ from the global value (all compared cells with --all). */
  cells: (FleetCell & {global: TypedValue})[]
  diagnostics: Diagnostic[]
  /** When fatal: the compared parameters this host directory itself sets (raw), else null. */
  own: OwnSetting[] | null
}

export interface FleetListResult {
  felixVersion: string
  readFrom: FleetReadFrom
  localLayers: 'hidden' | 'applied'
  note: string
  all: boolean
  params: string[]
  /** What a host without a host directory gets. */
  /** `own`: when the global layer alone is fatal, the compared parameters it sets (raw), else null. */
  global: {fatal: Fatal | null; cells: FleetCell[]; diagnostics: Diagnostic[]; own: OwnSetting[] | null}
  hosts: FleetHostRow[]
  warnings: string[]
}

export async function configListAllHosts(options: FleetOptions & {all?: boolean}): Promise<FleetListResult> {
  const ctx = await buildFleetContext(options)
  const ev = ctx.evaluator
  const base = ev.baseline.cells
  const hosts: FleetHostRow[] = []
  const allIndices = base.map((_, i) => i)
  const registry = ctx.registry
  for (const host of ctx.hostDirs) {
    const entries = keysOf(ctx, host)
    const r = ev.evaluate(host, entries)
    const cells: FleetHostRow['cells'] = []
    // Object literals, not spreads: this loop makes ~40,000 of them at 10,000 hosts.
    if (options.all) {
      for (let i = 0; i < r.cells.length; i++) {
        const c = r.cells[i]
        cells.push({name: c.name, value: c.value, raw: c.raw, source: c.source, origin: c.origin, global: base[i].value})
      }
    } else {
      // Only the cells the evaluator says may differ (every other one is the baseline's own cell).
      for (const i of r.changed ?? allIndices) {
        const c = r.cells[i]
        if (!sameValue(c, base[i])) cells.push({name: c.name, value: c.value, raw: c.raw, source: c.source, origin: c.origin, global: base[i].value})
      }
    }
    hosts.push({host, fatal: r.fatal, cells, diagnostics: r.diagnostics, own: r.fatal ? ownSettings(registry, ctx.params, entries) : null})
  }
  ctx.byHost.clear()
  return {
    felixVersion: ctx.felixVersion,
    readFrom: ctx.readFrom,
    localLayers: ctx.localLayers,
    note: ctx.note,
    all: Boolean(options.all),
    params: ctx.params,
    global: {fatal: ev.baseline.fatal, cells: base, diagnostics: ev.baselineResolution.diagnostics, own: globalOwn(ctx)},
    hosts,
    warnings: ctx.warnings,
  }
}

// ---------------------------------------------------------------- config get NAME --all-hosts

export interface FleetValueGroup {
  /**
   * false: hosts whose Felix starts, grouped by effective value. true: hosts whose Felix
   * would not start, grouped by the raw value their host directory holds (`raws`; empty
   * when it does not set the parameter); `value` is then null.
   */
  fatal: boolean
  value: TypedValue | null
  /** Distinct raw strings that gave this value (fatal group: the raw values held). */
  raws: string[]
  count: number
  /** How many hosts of the group got the value from each source (fatal group: {host: n} when the directory sets it). */
  sources: Partial<Record<SourceName, number>>
  hosts: string[]
}

export interface FleetGetResult {
  name: string
  felixVersion: string
  readFrom: FleetReadFrom
  localLayers: 'hidden' | 'applied'
  note: string
  /** `own`: when the global layer alone is fatal, the global keys for this parameter (raw), else null. */
  global: FleetCell & {fatal: Fatal | null; own: OwnSetting[] | null}
  hostCount: number
  /** Largest group first; ties by value; the groups of hosts whose Felix would not start last. */
  groups: FleetValueGroup[]
  /** Hosts whose Felix would not start, with the keys their directory holds for this parameter. */
  fatal: {host: string; fatal: Fatal; own: OwnSetting[]}[]
  warnings: string[]
}

export async function configGetAllHosts(name: string, options: FleetOptions): Promise<FleetGetResult> {
  const registry = getRegistry(options.felixVersion)
  const def = requireParam(registry, paramNameFromInput(name).name, name)
  const ctx = await buildFleetContext({...options, params: [def.name]})
  const ev = ctx.evaluator
  const groups = new Map<string, FleetValueGroup>()
  const fatalGroups = new Map<string, FleetValueGroup>()
  const fatal: FleetGetResult['fatal'] = []
  for (const host of ctx.hostDirs) {
    const entries = keysOf(ctx, host)
    const r = ev.evaluate(host, entries)
    if (r.fatal) {
      // What Felix reports after the failure is not this directory's doing: group by what it holds.
      const own = ownSettings(registry, ctx.params, entries)
      fatal.push({host, fatal: r.fatal, own})
      const raws = own.map((o) => o.raw)
      const k = own.length ? JSON.stringify(raws) : ''
      let g = fatalGroups.get(k)
      if (!g) fatalGroups.set(k, (g = {fatal: true, value: null, raws, count: 0, sources: {}, hosts: []}))
      g.count++
      g.hosts.push(host)
      if (own.length) g.sources.host = (g.sources.host ?? 0) + 1
      continue
    }
    const c = r.cells[0]
    const k = valueKey(c.value)
    let g = groups.get(k)
    if (!g) groups.set(k, (g = {fatal: false, value: c.value, raws: [], count: 0, sources: {}, hosts: []}))
    g.count++
    g.hosts.push(host)
    if (!g.raws.includes(c.raw)) g.raws.push(c.raw)
    g.sources[c.source] = (g.sources[c.source] ?? 0) + 1
  }
  ctx.byHost.clear()
  const bySize = (a: [string, FleetValueGroup], b: [string, FleetValueGroup]) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
  const sorted = [...[...groups.entries()].sort(bySize), ...[...fatalGroups.entries()].sort(bySize)].map(([, g]) => g)
  return {
    name: def.name,
    felixVersion: ctx.felixVersion,
    readFrom: ctx.readFrom,
    localLayers: ctx.localLayers,
    note: ctx.note,
    global: {...ev.baseline.cells[0], fatal: ev.baseline.fatal, own: globalOwn(ctx)},
    hostCount: ctx.hostDirs.length,
    groups: sorted,
    fatal,
    warnings: ctx.warnings,
  }
}

// ---------------------------------------------------------------- config diff

export interface FleetDiffSide {
  /** Host directory, or null for "global" (a host without a host directory). */
  host: string | null
  fatal: Fatal | null
  diagnostics: Diagnostic[]
  /** When fatal: the compared parameters its directory (the global one for "global") sets, raw; else null. */
  own: OwnSetting[] | null
}

export interface FleetDiffRow {
  name: string
  a: FleetCell
  b: FleetCell
  /** false when only the source differs (both get the same value from different layers); compares the values Felix reports. */
  valueDiffers: boolean
  /**
   * For a side whose Felix would not start: the raw values its directory holds for this
   * parameter (a row is shown for each such parameter even when the reported values agree);
   * null for a side that starts or does not set it.
   */
  aOwn: string[] | null
  bOwn: string[] | null
}

export interface FleetDiffResult {
  felixVersion: string
  readFrom: FleetReadFrom
  localLayers: 'hidden' | 'applied'
  note: string
  params: string[]
  a: FleetDiffSide
  b: FleetDiffSide
  differences: FleetDiffRow[]
  warnings: string[]
}

export async function configDiff(hosts: string[], options: FleetOptions): Promise<FleetDiffResult> {
  if (hosts.length < 1 || hosts.length > 2) {
    throw new UsageError(`config diff takes --host once (against global) or twice (host against host), not ${hosts.length} times`, {hint: 'felixctl config diff --host node7 --host node8'})
  }
  // Only the two host directories are read (and the global one): the other hosts are not compared.
  // A name that is not there is looked up again in a read of every directory, for the did-you-mean.
  const scoped = hosts.every(plainHostDirName)
  let ctx = await buildFleetContext(options, scoped ? {hosts: [...new Set(hosts)]} : undefined)
  if (scoped && !hosts.every((h) => hasHost(ctx, h))) ctx = await buildFleetContext(options)
  for (const h of hosts) requireHost(ctx, h)
  const ev = ctx.evaluator
  const registry = ctx.registry
  const a = ev.evaluate(hosts[0], keysOf(ctx, hosts[0]))
  const b = hosts[1] !== undefined ? ev.evaluate(hosts[1], keysOf(ctx, hosts[1])) : ev.baseline
  const aOwn = a.fatal ? ownSettings(registry, ctx.params, keysOf(ctx, hosts[0])) : null
  const bOwn = hosts[1] !== undefined ? (b.fatal ? ownSettings(registry, ctx.params, keysOf(ctx, hosts[1])) : null) : globalOwn(ctx)
  const rawsOf = (own: OwnSetting[] | null, name: string) => {
    const raws = own?.filter((o) => o.name === name).map((o) => o.raw)
    return raws?.length ? raws : null
  }
  const differences: FleetDiffRow[] = []
  for (let i = 0; i < a.cells.length; i++) {
    const ca = a.cells[i]
    const cb = b.cells[i]
    const valueDiffers = !sameValue(ca, cb)
    const ra = rawsOf(aOwn, ca.name)
    const rb = rawsOf(bOwn, ca.name)
    if (valueDiffers || ca.source !== cb.source || ca.raw !== cb.raw || ra || rb) differences.push({name: ca.name, a: ca, b: cb, valueDiffers, aOwn: ra, bOwn: rb})
  }
  return {
    felixVersion: ctx.felixVersion,
    readFrom: ctx.readFrom,
    localLayers: ctx.localLayers,
    note: ctx.note,
    params: ctx.params,
    a: {host: hosts[0], fatal: a.fatal, diagnostics: a.diagnostics, own: aOwn},
    b: {host: hosts[1] ?? null, fatal: b.fatal, diagnostics: hosts[1] !== undefined ? b.diagnostics : [], own: bOwn},
    differences,
    warnings: ctx.warnings,
  }
}
