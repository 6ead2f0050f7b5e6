/**
 * Evaluating every host directory of a fleet with the resolver, fast.
 *
 * A full resolveFelixConfig per host is exact but costs ~30 µs plus one did-you-mean per
 * unknown global key, which at 10,000 hosts dominates a fleet read. The fast path rests on
 * one property of the resolver (docs/reference/felix-2.0-config.md §4): with the env, file and global
 * layers fixed, a host's per-host entries for parameter P only change P's result — the
 * precedence map is keyed by P's spellings and P's canonical name, which no other
 * parameter shares — unless something is fatal (a fatal value stops the pass for every
 * parameter) or the entry is unknown. So a host's result is the baseline (the global layer
 * alone) with each parameter it touches re-resolved on its own: one resolve over a
 * one-parameter registry, cached by (parameter, spellings and raw values).
 *
 * A further shortcut for values every host has its own of (calico/node's IpInIpTunnelAddr):
 * with the other layers fixed, whether a host entry for P spelt S wins does not depend on
 * its raw value as long as the value parses (§4: precedence looks only at spellings and
 * layers), and no diagnostic names an `ok` value. So once one resolve of (P, S) showed the
 * host entry winning with a clean parse and no diagnostics of its own, another raw value for
 * (P, S) that parses (and is not `none`) gives {value: parsed, raw, source host} directly.
 *
 * A broken global layer (issue 14): when the global layer alone stops Felix at the datastore
 * stage (a die-on-fail value there), every host stops at that same entry unless its own
 * directory holds a fatal value, which the host layer would report first. Such a host's
 * result is still per parameter: raw, source and origin are the file stage's (the last pass
 * that succeeded, the same for every host) and the value is what Felix's typed field holds
 * after the two datastore passes, which depends only on that parameter's entries and on where
 * the passes stop (the first fatal global entry in key order). So the one-parameter resolve
 * takes, besides P, every parameter with a fatal global entry (and their entries in every
 * layer): it stops where the full one stops and must report the baseline's fatal. The
 * shortcut for values of a host's own becomes: once a resolve showed P's typed value to be
 * the host entry's (parsed, and different from the baseline's), another value that parses is
 * that value, with the baseline's raw, source and origin.
 *
 * A host directory without config keys gets the baseline itself, in every case (the empty key
 * set: see evaluate). Anything outside that property (any other fatal baseline, an unknown or
 * fatal host entry, DatastoreType, which feeds Validate) falls back to the full resolver for that host.
 * test/integration/fleet-eval.test.ts checks the fast path against the full resolver on
 * random fleets.
 */
import {HOST_PREFIX, Kv} from '../datastore/types.js'
import {Origin, RawEntry, SourceName} from '../layers/types.js'
import {goToLower, parseKind} from '../params/kinds.js'
import {lookupParam, sameParamName, subRegistry} from '../params/index.js'
import {FileProbe, ParamDef, Registry, TypedValue} from '../params/types.js'
import {FileLayerInput, resolveFelixConfig} from '../resolve/resolve.js'
import {Diagnostic, Fatal, Resolution} from '../resolve/types.js'

/** The kernel hostname of the baseline: no host directory has this name (it contains a space). */
export const BASELINE_HOST = '(no host directory)'

/** One parameter's effective value on one host. */
export interface FleetCell {
  name: string
  value: TypedValue
  raw: string
  source: SourceName
  origin: Origin
}

export interface HostEvaluation {
  host: string
  fatal: Fatal | null
  /** Cells of the compared parameters, in registry order. */
  cells: FleetCell[]
  /** Diagnostics this host has and the baseline has not (its own directory's problems). */
  diagnostics: Diagnostic[]
  /**
   * Indices of the cells that may differ from the baseline's; every other cell IS the
   * baseline's cell object. null: any cell may differ (the full resolver ran).
   */
  changed: number[] | null
}

export interface FleetEvaluatorInput {
  registry: Registry
  /** Compared parameters, in registry order. */
  params: readonly ParamDef[]
  env: readonly RawEntry[]
  file: FileLayerInput
  globalKvs: readonly Kv[]
  probe: FileProbe
  /** false: always run the full resolver (the reference the fast path is tested against). */
  fast?: boolean
}

const diagKey = (d: Diagnostic) => `${d.severity}\u0000${d.code}\u0000${d.param}\u0000${d.layer}\u0000${d.origin?.key ?? ''}\u0000${d.message}`

/**
 * Raw values remembered per key spelling (a bound: calico/node writes a value of its own into every
 * host directory, IpInIpTunnelAddr, and those would only fill the cache).
 */
const MAX_CACHED_VALUES = 1024

/** Params that change more than their own result: DatastoreType feeds Validate (§5.6). */
const CROSS_PARAMS = new Set(['DatastoreType'])

/** Per key as spelt in host directories: its parameter, and what the resolves of it taught. */
interface Slot {
  def: ParamDef | undefined
  /** Index among the compared parameters, or -1. */
  index: number
  /** Outside the fast path (unknown name, DatastoreType): the full resolver. */
  full: boolean
  byRaw: Map<string, CachedCell>
  /** A host entry spelt this way wins whenever its value parses cleanly (see above). */
  hostWinsWhenOk: boolean
}

function sameFatal(a: Fatal, b: Fatal): boolean {
  return a.stage === b.stage && a.param === b.param && a.layer === b.layer && a.message === b.message
}

/** Typed values are equal (NaN equals NaN; lists element by element). */
export function sameTypedValue(a: TypedValue, b: TypedValue): boolean {
  if (a === b) return true
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b)
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i])
  return false
}

interface CachedCell {
  value: TypedValue
  raw: string
  source: SourceName
  /** For a host-layer winner: the key as spelt (its origin is rebuilt per host). */
  hostKey: string | null
  origin: Origin
}

export class FleetEvaluator {
  readonly baseline: HostEvaluation
  readonly baselineResolution: Resolution
  private readonly input: FleetEvaluatorInput
  private readonly baselineDiagKeys: Set<string>
  private readonly paramIndex = new Map<string, number>()
  private readonly subRegistries = new Map<string, Registry>()
  private readonly cellCache = new Map<string, CachedCell>()
  /** env / file / global entries per parameter, for the one-parameter resolves. */
  private readonly envByParam = new Map<string, RawEntry[]>()
  private readonly fileByParam = new Map<string, RawEntry[]>()
  private readonly globalByParam = new Map<string, Kv[]>()
  /** Counters, for the benchmark and the tests. */
  readonly stats = {fast: 0, full: 0, miniResolves: 0, cacheHits: 0, parsed: 0, empty: 0}
  private readonly slots = new Map<string, Slot>()
  /**
   * The global layer alone stops Felix at the datastore stage: the parameters with a fatal
   * global entry (every one-parameter resolve takes them too), and the baseline's results by
   * name. null: the baseline is not fatal, or fatal in a way the fast path does not serve.
   */
  private readonly brokenGlobal: {params: Set<string>; baseline: Map<string, Resolution['params'][number]>} | null = null

  constructor(input: FleetEvaluatorInput) {
    // Each host directory is evaluated as its own FelixHostname: a local FelixHostname would
    // send every host to one directory (the service drops it and says so).
    const fileEntries = input.file.state === 'loaded' ? input.file.entries : []
    if ([...input.env, ...fileEntries].some((e) => sameParamName(e.key, 'FelixHostname'))) {
      throw new Error('FleetEvaluator: the env and file layers must not set FelixHostname')
    }
    this.input = input
    input.params.forEach((p, i) => this.paramIndex.set(p.name, i))
    this.baselineResolution = this.fullResolve(BASELINE_HOST, [])
    this.baseline = this.summarise(BASELINE_HOST, this.baselineResolution, null)
    this.baselineDiagKeys = new Set(this.baselineResolution.diagnostics.map(diagKey))
    const bf = this.baseline.fatal
    if (bf && bf.stage === 'datastore' && bf.layer === 'global') {
      const params = new Set(this.baselineResolution.params.filter((p) => p.layers.some((l) => l.layer === 'global' && l.status === 'fatal')).map((p) => p.name))
      this.brokenGlobal = {params, baseline: new Map(this.baselineResolution.params.map((p) => [p.name, p]))}
    }
    const paramOf = (key: string) => lookupParam(input.registry, key)?.name
    const push = <T>(m: Map<string, T[]>, name: string | undefined, v: T) => {
      if (name !== undefined) m.set(name, [...(m.get(name) ?? []), v])
    }
    for (const e of input.env) push(this.envByParam, paramOf(e.key), e)
    if (input.file.state === 'loaded') for (const e of input.file.entries) push(this.fileByParam, paramOf(e.key), e)
    for (const kv of input.globalKvs) push(this.globalByParam, paramOf(kv.key.slice(kv.key.lastIndexOf('/') + 1)), kv)
  }

  private fullResolve(host: string, hostKvs: readonly Kv[]): Resolution {
    const {registry, env, file, globalKvs, probe} = this.input
    const kvs = hostKvs.length ? globalKvs.concat(hostKvs) : globalKvs
    return resolveFelixConfig({registry, kernelHostname: host, env, file, datastore: {state: 'loaded', kvs}, probe})
  }

  private summarise(host: string, r: Resolution, baseline: Set<string> | null): HostEvaluation {
    const byName = new Map(r.params.map((p) => [p.name, p]))
    const cells = this.input.params.map((def) => {
      const p = byName.get(def.name)!
      return {name: p.name, value: p.value, raw: p.raw, source: p.source, origin: p.origin}
    })
    const diagnostics = baseline ? r.diagnostics.filter((d) => !baseline.has(diagKey(d))) : []
    return {host, fatal: r.fatal, cells, diagnostics, changed: null}
  }

  /**
   * The result for host directory `host`, whose config keys are `hostKvs` (each with the
   * parameter name as spelt in its key: /calico/v1/host/<host>/config/<name>).
   */
  evaluate(host: string, hostEntries: readonly {name: string; kv: Kv}[]): HostEvaluation {
    const n = hostEntries.length
    // A host directory without config keys (workloads only): the empty key set, whose result is
    // the baseline's whatever else is broken. The resolver reads the kernel hostname only as
    // FelixHostname's value (local-only, never compared) and to pick the host directory, which
    // is empty either way; FelixHostname "" (every directory merged) cannot come from the env or
    // file layers here (the constructor refuses them) nor from etcd (local-only).
    if (n === 0 && this.input.fast !== false) {
      this.stats.fast++
      this.stats.empty++
      return {host, fatal: this.baseline.fatal, cells: this.baseline.cells, diagnostics: [], changed: []}
    }
    if (this.input.fast === false || (this.baseline.fatal && !this.brokenGlobal)) return this.full(host, hostEntries.map((e) => e.kv))
    // The common case: each parameter once (a host directory rarely spells one parameter twice).
    const slots: Slot[] = new Array(n)
    let repeated = false
    for (let j = 0; j < n; j++) {
      const slot = this.slotOf(hostEntries[j].name)
      if (slot.full) return this.full(host, hostEntries.map((e) => e.kv))
      for (let k = 0; k < j; k++) if (slots[k].def === slot.def) repeated = true
      slots[j] = slot
    }
    if (repeated) return this.evaluateGrouped(host, hostEntries)
    let cells: FleetCell[] | null = null
    const changed: number[] = []
    let diagnostics: Diagnostic[] = []
    for (let j = 0; j < n; j++) {
      const slot = slots[j]
      const def = slot.def!
      const {name, kv} = hostEntries[j]
      const raw = kv.value
      let cell: FleetCell | null = null
      const cached = slot.byRaw.get(raw)
      if (cached) {
        this.stats.cacheHits++
        cell = this.cellFrom(def, cached, kv.key)
      } else if (slot.hostWinsWhenOk && goToLower(raw) !== 'none') {
        const r = parseKind(def.kind, raw, this.input.probe)
        if (r.ok) {
          this.stats.parsed++
          const b = this.brokenGlobal?.baseline.get(def.name)
          // The same raw value gives the same cell on every host (its origin aside, which
          // cellFrom rebuilds): remembered, so that a value many hosts share is parsed once.
          const c: CachedCell = b ? {value: r.value, raw: b.raw, source: b.source, hostKey: null, origin: b.origin} : {value: r.value, raw, source: 'host', hostKey: name, origin: {type: 'etcd', key: kv.key}}
          if (slot.byRaw.size < MAX_CACHED_VALUES) slot.byRaw.set(raw, c)
          cell = this.cellFrom(def, c, kv.key)
        }
      }
      if (!cell) {
        const res = this.resolveOne(def, host, [{key: name, raw, kv}])
        if (!res) return this.full(host, hostEntries.map((e) => e.kv))
        if (res.own.length) diagnostics = diagnostics.concat(res.own)
        else {
          slot.byRaw.set(raw, res.cell)
          if (res.cleanOk) slot.hostWinsWhenOk = true
        }
        cell = this.cellFrom(def, res.cell, kv.key)
      }
      if (slot.index < 0) continue
      cells ??= this.baseline.cells.slice()
      changed.push(slot.index)
      cells[slot.index] = cell
    }
    this.stats.fast++
    return this.finishFast(host, cells, diagnostics, changed)
  }

  private slotOf(name: string): Slot {
    let slot = this.slots.get(name)
    if (!slot) {
      const def = lookupParam(this.input.registry, name)
      slot = {def, index: def ? (this.paramIndex.get(def.name) ?? -1) : -1, full: !def || CROSS_PARAMS.has(def.name), byRaw: new Map(), hostWinsWhenOk: false}
      this.slots.set(name, slot)
    }
    return slot
  }

  private cellFrom(def: ParamDef, c: CachedCell, hostKey: string): FleetCell {
    return {name: def.name, value: c.value, raw: c.raw, source: c.source, origin: c.hostKey !== null ? {type: 'etcd', key: hostKey} : c.origin}
  }

  private finishFast(host: string, cells: FleetCell[] | null, diagnostics: Diagnostic[], changed: number[]): HostEvaluation {
    if (diagnostics.length > 1) {
      const order = new Map(this.input.registry.params.map((p, i) => [p.name, i]))
      diagnostics.sort((a, b) => (order.get(a.param ?? '') ?? 0) - (order.get(b.param ?? '') ?? 0))
    }
    if (changed.length > 1) changed.sort((a, b) => a - b)
    return {host, fatal: this.baseline.fatal, cells: cells ?? this.baseline.cells, diagnostics, changed}
  }

  /**
   * One parameter's host entries resolved alone: the cell (origin as in the resolve), the
   * diagnostics that are this host's own, and whether the host entry won with a clean parse.
   * null when fatal (the caller falls back to the full resolver).
   */
  private resolveOne(def: ParamDef, host: string, entries: {key: string; raw: string; kv: Kv}[]): {cell: CachedCell; own: Diagnostic[]; cleanOk: boolean} | null {
    const r = this.miniResolve(def, host, entries.map((e) => e.kv))
    // A broken global layer: the resolve must stop where the baseline stops (a fatal host entry does not).
    if (r.fatal && !(this.brokenGlobal && this.baseline.fatal && sameFatal(r.fatal, this.baseline.fatal))) return null
    const own = r.diagnostics.filter((d) => !this.baselineDiagKeys.has(diagKey(d)))
    const p = r.params.find((q) => q.name === def.name)!
    const winner = p.source === 'host' ? entries.find((e) => e.kv.key === p.origin.key)! : null
    const cell: CachedCell = {value: p.value, raw: p.raw, source: p.source, hostKey: winner ? winner.key : null, origin: p.origin}
    let cleanOk = false
    if (entries.length === 1 && own.length === 0) {
      if (this.brokenGlobal) {
        // The typed value is the host entry's own (parsed, `none` aside) and not what the baseline holds anyway.
        const raw = entries[0].raw
        const parsed = goToLower(raw) === 'none' ? null : parseKind(def.kind, raw, this.input.probe)
        cleanOk = parsed !== null && parsed.ok && sameTypedValue(p.value, parsed.value) && !sameTypedValue(this.brokenGlobal.baseline.get(def.name)!.value, parsed.value)
      } else {
        cleanOk = winner !== null && p.layers.some((l) => l.layer === 'host' && l.status === 'effective' && l.message === null)
      }
    }
    return {cell, own, cleanOk}
  }

  /** A host directory that spells one parameter more than once: each parameter's entries resolved together. */
  private evaluateGrouped(host: string, hostEntries: readonly {name: string; kv: Kv}[]): HostEvaluation {
    const touched = new Map<ParamDef, {key: string; raw: string; kv: Kv}[]>()
    for (const {name, kv} of hostEntries) {
      const def = this.slotOf(name).def!
      let list = touched.get(def)
      if (!list) touched.set(def, (list = []))
      list.push({key: name, raw: kv.value, kv})
    }
    let cells: FleetCell[] | null = null
    const changed: number[] = []
    const diagnostics: Diagnostic[] = []
    for (const [def, entries] of touched) {
      const cacheKey = entries.length === 1 ? `${def.name}\u0000${entries[0].key}\u0001${entries[0].raw}` : def.name + '\u0000' + entries.map((e) => `${e.key}\u0001${e.raw}`).sort().join('\u0000')
      let cached = this.cellCache.get(cacheKey)
      if (cached) this.stats.cacheHits++
      else {
        const res = this.resolveOne(def, host, entries)
        if (!res) return this.full(host, hostEntries.map((e) => e.kv))
        if (res.own.length) diagnostics.push(...res.own)
        else this.cellCache.set(cacheKey, res.cell)
        cached = res.cell
      }
      const i = this.paramIndex.get(def.name)
      if (i === undefined) continue
      cells ??= [...this.baseline.cells]
      changed.push(i)
      const origin: Origin = cached.hostKey !== null ? {type: 'etcd', key: `${HOST_PREFIX}${host}/config/${cached.hostKey}`} : cached.origin
      cells[i] = {name: def.name, value: cached.value, raw: cached.raw, source: cached.source, origin}
    }
    this.stats.fast++
    return this.finishFast(host, cells, diagnostics, changed)
  }

  private full(host: string, hostKvs: readonly Kv[]): HostEvaluation {
    this.stats.full++
    return this.summarise(host, this.fullResolve(host, hostKvs), this.baselineDiagKeys)
  }

  /**
   * Resolve one parameter alone: a registry of that parameter (plus, with a broken global
   * layer, the parameters with a fatal global entry, so that the passes stop where Felix's
   * do), and only those parameters' entries in every layer.
   */
  private miniResolve(def: ParamDef, host: string, hostKvs: Kv[]): Resolution {
    this.stats.miniResolves++
    let registry = this.subRegistries.get(def.name)
    if (!registry) {
      const fatalParams = this.brokenGlobal?.params
      const params = fatalParams ? this.input.registry.params.filter((p) => p === def || fatalParams.has(p.name)) : [def]
      registry = subRegistry(this.input.registry, params)
      this.subRegistries.set(def.name, registry)
    }
    const names = registry.params.map((p) => p.name)
    const pick = <T>(m: Map<string, T[]>): T[] => (names.length === 1 ? (m.get(names[0]) ?? []) : names.flatMap((n) => m.get(n) ?? []))
    const {file, probe} = this.input
    const fileInput: FileLayerInput = file.state === 'loaded' ? {state: 'loaded', path: file.path, entries: pick(this.fileByParam)} : file
    const kvs = [...pick(this.globalByParam), ...hostKvs]
    return resolveFelixConfig({registry, kernelHostname: host, env: pick(this.envByParam), file: fileInput, datastore: {state: 'loaded', kvs}, probe})
  }
}
