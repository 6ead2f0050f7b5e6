/**
 * Blast radius (issue 17): what a change of the etcd config directories does to every Felix
 * of the fleet, computed from the state before and the state after.
 *
 * Felix 2.0.4 (calc/event_buffer.go, felix.go) re-runs its resolve over all four layers on
 * every change of its global directory, of its own host directory and of /calico/v1/Ready,
 * and compares the resulting raw map (`RawValues()`: for each known parameter that some layer
 * set, canonical name -> the winning raw string; for each unknown key, its raw name -> raw
 * string) with the one it started with. Any difference restarts it; a resolve that fails
 * stops it ("Failed to parse config update", and the restarted Felix cannot get past
 * configuration); /calico/v1/Ready changing away from "true" restarts every Felix.
 *
 * So, per host directory, with the fleet evaluator (fleet-eval.ts) before and after:
 * - before ok, after ok, raw maps differ (or Ready went away from true): `restart`, and
 *   `valueChanged` too when some parameter's effective (typed) value differs;
 * - before ok, after fatal: `stop`;  before fatal, after ok: `recover`;
 * - anything else (same raw map; fatal before and after): unaffected.
 *
 * Cost: with the global directory and Ready unchanged only the hosts whose own directory
 * changed are evaluated (a per-host change is one host); otherwise it is two fleet
 * evaluations.
 */
import {CONFIG_PREFIX, Kv} from '../datastore/types.js'
import {RawEntry} from '../layers/types.js'
import {goToLower} from '../params/kinds.js'
import {FileProbe, ParamDef, Registry} from '../params/types.js'
import {FileLayerInput} from '../resolve/resolve.js'
import {groupFleetKvs, HostKv} from './config-fleet.js'
import {FleetCell, FleetEvaluator, HostEvaluation, sameTypedValue} from './fleet-eval.js'

/** What a change does to the fleet (the `impact` of a config set/unset plan and of each watched event). */
export interface Impact {
  /** Host directories evaluated (every one under /calico/v1/host/, with or without config keys). */
  hosts: number
  /** Felix restarts: its raw config map changes and its resolve still succeeds. Sorted. */
  restart: string[]
  /** Felix stops: a resolve that succeeded fails after the change. Sorted. */
  stop: string[]
  /** Felix recovers: a resolve that failed succeeds after the change. Sorted. */
  recover: string[]
  /** The effective value of a parameter changes (a subset of `restart`). Sorted. */
  valueChanged: string[]
  /** hosts - restart - stop - recover (a Felix stopped before and after is unaffected). */
  unaffected: number
  /** Remote hosts' env and file layers: not visible ("hidden"), or this machine's applied to every host. */
  localLayers: 'hidden' | 'this-machine'
}

/** One state of the datastore: the config keys (as readConfig returns them) and /calico/v1/Ready. */
export interface ImpactTree {
  kvs: readonly Kv[]
  ready: string | null
}

export interface ImpactOptions {
  registry: Registry
  /** The env and file layers applied to every host (empty/absent unless --with-local; FelixHostname removed). */
  env: readonly RawEntry[]
  file: FileLayerInput
  probe: FileProbe
  localLayers: 'hidden' | 'this-machine'
  /** Every host directory under /calico/v1/host/, including those without config keys. */
  hostDirs?: readonly string[]
  /** false: the full resolver for every host (the reference the fast path is tested against). */
  fast?: boolean
}

/** The same keys with the same values (in any order)? */
function sameKvs(a: readonly {kv: Kv}[] | readonly Kv[] | undefined, b: readonly {kv: Kv}[] | readonly Kv[] | undefined): boolean {
  const x = (a ?? []) as readonly (Kv | {kv: Kv})[]
  const y = (b ?? []) as readonly (Kv | {kv: Kv})[]
  if (x.length !== y.length) return false
  const flat = (e: Kv | {kv: Kv}): Kv => ('kv' in e ? e.kv : e)
  // The common case, without allocating: the same keys in the same order (the read is sorted;
  // a plan's "after" shares the Kv objects of the read).
  let inOrder = true
  for (let i = 0; i < x.length && inOrder; i++) {
    const p = flat(x[i])
    const q = flat(y[i])
    inOrder = p === q || (p.key === q.key && p.value === q.value)
  }
  if (inOrder) return true
  const key = (kv: Kv) => `${kv.key}\u0000${kv.value}`
  const xs = x.map((e) => key(flat(e))).sort()
  const ys = y.map((e) => key(flat(e))).sort()
  return xs.every((k, i) => k === ys[i])
}

/** Felix's Source ranks: higher wins. */
const RANK = {global: 1, host: 2, file: 3, env: 4} as const

/**
 * The unknown keys' part of Felix's raw map: raw name -> the raw string of the highest layer
 * that holds it (Felix keys its precedence check for unknown keys by the raw name).
 */
class UnknownMaps {
  /** env, file and global unknown keys, with their rank. */
  private readonly base = new Map<string, {rank: number; raw: string}>()
  constructor(
    private readonly registry: Registry,
    env: readonly RawEntry[],
    file: FileLayerInput,
    globalKvs: readonly Kv[],
  ) {
    const add = (key: string, raw: string, rank: number) => {
      if (this.isKnown(key)) return
      const cur = this.base.get(key)
      if (!cur || rank >= cur.rank) this.base.set(key, {rank, raw})
    }
    // Sorted by rank ascending, each layer in read order: within a layer the last one wins (a Go map).
    for (const kv of globalKvs) {
      const name = kv.key.slice(CONFIG_PREFIX.length)
      // Felix's global layer holds /calico/v1/config/<Name> only (layers/etcd.ts).
      if (name !== '' && !name.includes('/')) add(name, kv.value, RANK.global)
    }
    if (file.state === 'loaded') for (const e of file.entries) add(e.key, e.raw, RANK.file)
    for (const e of env) add(e.key, e.raw, RANK.env)
  }

  isKnown(key: string): boolean {
    return this.registry.byLowerName.has(goToLower(key))
  }

  /** The map for a host whose directory holds `entries`. */
  forHost(entries: readonly HostKv[] | undefined): Map<string, string> {
    const out = new Map<string, string>()
    const hostOwn = new Map<string, string>()
    for (const {name, kv} of entries ?? []) if (!this.isKnown(name)) hostOwn.set(name, kv.value)
    for (const [k, v] of this.base) if (v.rank > RANK.host || !hostOwn.has(k)) out.set(k, v.raw)
    for (const [k, raw] of hostOwn) {
      const b = this.base.get(k)
      if (!b || b.rank < RANK.host) out.set(k, raw)
    }
    return out
  }

  /** The same map whatever the host directory holds (no unknown key in it)? */
  sameBase(other: UnknownMaps): boolean {
    if (this.base.size !== other.base.size) return false
    for (const [k, v] of this.base) {
      const o = other.base.get(k)
      if (!o || o.raw !== v.raw || o.rank !== v.rank) return false
    }
    return true
  }
}

function sameMap(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false
  for (const [k, v] of a) if (b.get(k) !== v) return false
  return true
}

/** A cell's entry in Felix's raw map: the winning raw string, or absent (null) for a default. */
const rawOf = (c: FleetCell): string | null => (c.source === 'default' ? null : c.raw)

/** Every compared parameter: each one etcd can set (a local-only one comes from env/file only, the same before and after). */
function impactParams(registry: Registry): ParamDef[] {
  return registry.params.filter((p) => !p.localOnly)
}

/** The impact of going from `before` to `after` on every host directory. */
export function computeImpact(before: ImpactTree, after: ImpactTree, options: ImpactOptions): Impact {
  const {registry, env, file, probe} = options
  const params = impactParams(registry)
  const b = groupFleetKvs(before.kvs)
  const a = groupFleetKvs(after.kvs)
  const hostSet = new Set<string>([...(options.hostDirs ?? []), ...b.byHost.keys(), ...a.byHost.keys()])
  const hosts = [...hostSet].sort()
  const readyLost = before.ready === 'true' && after.ready !== 'true'
  const globalsSame = sameKvs(b.globalKvs, a.globalKvs)

  const impact: Impact = {hosts: hosts.length, restart: [], stop: [], recover: [], valueChanged: [], unaffected: 0, localLayers: options.localLayers}
  let evBefore: FleetEvaluator | null = null
  let evAfter: FleetEvaluator | null = null
  let unknownBefore: UnknownMaps | null = null
  let unknownAfter: UnknownMaps | null = null
  let unknownBaseSame = true
  /** Indices of the cells in which the two baselines differ. */
  let baselineDiff: number[] = []
  const init = () => {
    evBefore = new FleetEvaluator({registry, params, env, file, globalKvs: b.globalKvs, probe, fast: options.fast})
    evAfter = globalsSame ? evBefore : new FleetEvaluator({registry, params, env, file, globalKvs: a.globalKvs, probe, fast: options.fast})
    unknownBefore = new UnknownMaps(registry, env, file, b.globalKvs)
    unknownAfter = globalsSame ? unknownBefore : new UnknownMaps(registry, env, file, a.globalKvs)
    unknownBaseSame = globalsSame || unknownBefore.sameBase(unknownAfter)
    const cb = evBefore.baseline.cells
    const ca = evAfter.baseline.cells
    baselineDiff = []
    for (let i = 0; i < cb.length; i++) if (rawOf(cb[i]) !== rawOf(ca[i]) || !sameTypedValue(cb[i].value, ca[i].value)) baselineDiff.push(i)
  }

  for (const host of hosts) {
    const eb = b.byHost.get(host)
    const ea = a.byHost.get(host)
    const hostSame = sameKvs(eb, ea)
    if (globalsSame && hostSame && !readyLost) {
      impact.unaffected++
      continue
    }
    if (!evBefore) init()
    const rb: HostEvaluation = evBefore!.evaluate(host, eb ?? [])
    const ra: HostEvaluation = evAfter!.evaluate(host, ea ?? [])
    if (!rb.fatal && ra.fatal) {
      impact.stop.push(host)
      continue
    }
    if (rb.fatal && !ra.fatal) {
      impact.recover.push(host)
      continue
    }
    if (rb.fatal && ra.fatal) {
      impact.unaffected++
      continue
    }
    // Both resolve: compare the raw maps.
    let rawDiffers = false
    let valueDiffers = false
    const check = (i: number) => {
      const cb = rb.cells[i]
      const ca = ra.cells[i]
      if (cb === ca) return
      if (rawOf(cb) !== rawOf(ca)) rawDiffers = true
      if (!sameTypedValue(cb.value, ca.value)) valueDiffers = true
    }
    if (rb.changed === null || ra.changed === null) {
      for (let i = 0; i < rb.cells.length; i++) check(i)
    } else {
      for (const i of baselineDiff) check(i)
      for (const i of rb.changed) check(i)
      for (const i of ra.changed) check(i)
    }
    if (!rawDiffers && (!hostSame || !unknownBaseSame)) {
      // The unknown keys' part of the raw map (the evaluator's cells hold only known parameters).
      rawDiffers = !sameMap(unknownBefore!.forHost(eb), unknownAfter!.forHost(ea))
    }
    if (!rawDiffers && !readyLost) {
      impact.unaffected++
      continue
    }
    impact.restart.push(host)
    // Equal raw maps give equal values; `valueChanged` stays a subset of `restart` regardless.
    if (valueDiffers) impact.valueChanged.push(host)
  }
  return impact
}
