/**
 * The resolver: one pure function reproducing Felix 2.0.4's configuration merge
 * (docs/reference/felix-2.0-config.md §4 and §5), quirks included. Raw entries and the registry in;
 * effective values, sources, origins, shadowed values, diagnostics and the fatal error out.
 *
 * It simulates Felix's own loop (config.resolve in config_params.go) pass by pass rather
 * than computing precedence abstractly, because the quirks (§4.5 parse-before-precedence,
 * the spelling-keyed precedence lookup) fall out of the loop and nowhere else.
 * Go iterates maps in random order; we iterate each layer in sorted key order and report
 * `ambiguous` wherever that order could change the answer.
 */
import {Kv} from '../datastore/types.js'
import {globalEntries, hostEntries} from '../layers/etcd.js'
import {LayerDiagnostic, LayerName, Origin, RawEntry} from '../layers/types.js'
import {goQuote, goToLower, parseKind, zeroValue} from '../params/kinds.js'
import {defaultValue} from '../params/index.js'
import {FileProbe, ParamDef, Registry, TypedValue} from '../params/types.js'
import {didYouMean} from '../lib/did-you-mean.js'
import {DatastoreSettings, Diagnostic, EntryStatus, Fatal, FatalStage, LayerStatus, ParamResolution, Resolution, UnknownEntry} from './types.js'

export type FileLayerInput =
  | {state: 'absent'; path?: string}
  | {state: 'loaded'; path: string; entries: RawEntry[]; shadowed?: RawEntry[]; diagnostics?: LayerDiagnostic[]}
  | {state: 'failed'; path: string; message: string; line: number}

export type DatastoreLayerInput =
  /** Felix would connect, but felixctl did not read it (for example --allow-partial after a failure). */
  | {state: 'unavailable'; reason: string}
  /** DatastoreType kubernetes: the two etcd layers do not exist. */
  | {state: 'kubernetes'}
  | {state: 'loaded'; kvs: readonly Kv[]}

export interface ResolveInput {
  registry: Registry
  /** The kernel hostname Felix starts with (`--host`). */
  kernelHostname: string
  env: readonly RawEntry[]
  file: FileLayerInput
  datastore: DatastoreLayerInput
  probe: FileProbe
}

/** Felix's Source enum: higher wins. */
const RANK: Record<LayerName, number> = {global: 1, host: 2, file: 3, env: 4}
const LAYER_WORDS: Record<LayerName, string> = {env: 'the environment', file: 'the config file', host: 'per-host etcd', global: 'global etcd'}

type Outcome =
  | {kind: 'unknown'}
  | {kind: 'local-ignored'}
  | {kind: 'fatal'; message: string}
  | {kind: 'ok'; value: TypedValue}
  | {kind: 'none'; value: TypedValue}
  | {kind: 'invalid'; value: TypedValue; message: string}

interface PassResult {
  /** canonical name -> winning entry */
  winners: Map<string, RawEntry>
  unknownWinners: Map<string, RawEntry>
  fatal: {entry: RawEntry; param: ParamDef; message: string} | null
}

function compareKeys(a: RawEntry, b: RawEntry): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0
}

/** A Go map holds one value per key: later entries with the same key replace earlier ones. */
function asGoMap(entries: readonly RawEntry[]): RawEntry[] {
  const m = new Map<string, RawEntry>()
  for (const e of entries) m.set(e.key, e)
  return [...m.values()].sort(compareKeys)
}

export function resolveFelixConfig(input: ResolveInput): Resolution {
  const {registry, probe} = input
  const paramOf = (key: string) => registry.byLowerName.get(goToLower(key))
  const outcomes = new Map<RawEntry, Outcome>()

  const classify = (e: RawEntry): Outcome => {
    const cached = outcomes.get(e)
    if (cached) return cached
    const param = paramOf(e.key)
    let o: Outcome
    if (!param) o = {kind: 'unknown'}
    else if (param.localOnly && (e.layer === 'host' || e.layer === 'global')) o = {kind: 'local-ignored'}
    else if (goToLower(e.raw) === 'none') {
      // §2: `none` is the zero value; on a non-zero parameter it is fatal, D or not.
      o = param.nonZero ? {kind: 'fatal', message: 'Non-zero field cannot be set to none'} : {kind: 'none', value: zeroValue(param.kind)}
    } else {
      const r = parseKind(param.kind, e.raw, probe)
      if (r.ok) o = {kind: 'ok', value: r.value}
      else {
        // Exactly the text Felix logs (without the Go detail felixctl adds for people).
        const message = `Failed to parse config parameter ${param.name}; value ${goQuote(e.raw)}: ${r.felix ?? r.reason}`
        o = param.dieOnFail ? {kind: 'fatal', message} : {kind: 'invalid', value: defaultValue(param, probe), message}
      }
    }
    outcomes.set(e, o)
    return o
  }

  // Typed values persist across passes (§5): Felix never resets its struct fields.
  const typed = new Map<string, TypedValue>()
  for (const p of registry.params) typed.set(p.name, defaultValue(p, probe))
  typed.set('FelixHostname', input.kernelHostname)

  /** One call of Felix's config.resolve() over the layers loaded so far, highest first. */
  const runPass = (layers: [LayerName, RawEntry[]][]): PassResult => {
    const nameToSource = new Map<string, number>()
    const winners = new Map<string, RawEntry>()
    const unknownWinners = new Map<string, RawEntry>()
    for (const [layer, entries] of layers) {
      const source = RANK[layer]
      for (const e of entries) {
        // §4.6: the precedence check looks the key up as spelt in this layer...
        const current = nameToSource.get(e.key) ?? 0
        const o = classify(e)
        const param = paramOf(e.key)
        if (o.kind === 'unknown' || !param) {
          if (source >= current) {
            unknownWinners.set(e.key, e)
            nameToSource.set(e.key, source)
          }
          continue
        }
        if (o.kind === 'local-ignored') continue
        // §4.5: parsing happens before the precedence check, so a fatal value in a shadowed layer still stops Felix.
        if (o.kind === 'fatal') return {winners, unknownWinners, fatal: {entry: e, param, message: o.message}}
        if (source < current) continue
        typed.set(param.name, o.value)
        winners.set(param.name, e)
        // ...while the winner is recorded under the canonical name.
        nameToSource.set(param.name, source)
      }
    }
    return {winners, unknownWinners, fatal: null}
  }

  const env = asGoMap(input.env)
  const fileEntries = input.file.state === 'loaded' ? asGoMap(input.file.entries) : []

  let fatal: Fatal | null = null
  let reported: PassResult = {winners: new Map(), unknownWinners: new Map(), fatal: null}
  /** Which layers Felix got to merge; the rest are "not reached". */
  let reached: LayerName[] = []
  let host = input.kernelHostname
  let hostLayer: RawEntry[] = []
  /** Before the Go-map collapse: with FelixHostname "" two host directories may set one key. */
  let hostLayerAll: RawEntry[] = []
  let globalLayer: RawEntry[] = []
  let stopped: FatalStage | null = null
  const fatalFrom = (stage: FatalStage, f: NonNullable<PassResult['fatal']>): Fatal => ({stage, param: f.param.name, layer: f.entry.layer, message: f.message})

  if (input.file.state === 'failed') {
    const where = `${input.file.path}:${input.file.line}: `
    // The reader's message may already start with path:line.
    fatal = {stage: 'file-load', param: null, layer: 'file', message: input.file.message.startsWith(where) ? input.file.message : where + input.file.message}
    stopped = 'file-load'
  } else {
    // §5.3: merge env, then file; a fatal error stops there. Felix prints nothing after an env- or
    // file-stage failure (it retries the whole load), so felixctl reports the values of the last
    // pass that succeeded, not a half-applied one.
    const stages: [FatalStage, [LayerName, RawEntry[]][]][] = [
      ['env', [['env', env]]],
      ['file', [['env', env], ['file', fileEntries]]],
    ]
    for (const [stage, passLayers] of stages) {
      const saved = new Map(typed)
      const pass = runPass(passLayers)
      reached = passLayers.map(([layer]) => layer)
      if (pass.fatal) {
        fatal = fatalFrom(stage, pass.fatal)
        stopped = stage
        restore(typed, saved)
        break
      }
      reported = pass
    }
    if (!stopped) host = String(typed.get('FelixHostname') ?? '')
  }
  const datastore = datastoreSettings(typed)

  if (!stopped) {
    if (input.datastore.state === 'loaded') {
      globalLayer = asGoMap(globalEntries(input.datastore.kvs))
      hostLayerAll = hostEntries(input.datastore.kvs, host)
      hostLayer = asGoMap(hostLayerAll)
    }
    if (input.datastore.state !== 'unavailable') {
      // §5.5: global, then per-host; no error check in between.
      const p3 = runPass([['env', env], ['file', fileEntries], ['global', globalLayer]])
      if (!p3.fatal) reported = p3
      const p4 = runPass([['env', env], ['file', fileEntries], ['host', hostLayer], ['global', globalLayer]])
      if (!p4.fatal) reported = p4
      const f = p4.fatal ?? p3.fatal
      if (f) fatal = fatalFrom('datastore', f)
      reached = ['env', 'file', 'host', 'global']
    }
    // §5.6: every cross check runs; the last failure wins and replaces any earlier error.
    const v = validate(typed)
    if (v) fatal = {stage: 'validate', ...v}
  }

  return buildResolution({input, registry, typed, reported, fatal, reached, host, env, fileEntries, hostLayer: hostLayerAll, globalLayer, classify, datastore, stopped})
}

/**
 * did-you-mean for an unknown key, once per registry and key: a fleet view resolves the same
 * unknown global keys for every host whose Felix would not start (issue 14: 74 % of a broken
 * fleet's time was this, computed again for every host).
 */
const suggestionCache = new WeakMap<Registry, Map<string, string[]>>()
function suggestionsFor(registry: Registry, key: string): string[] {
  let byKey = suggestionCache.get(registry)
  if (!byKey) suggestionCache.set(registry, (byKey = new Map()))
  let s = byKey.get(key)
  if (!s) byKey.set(key, (s = didYouMean(key, registry.params.map((q) => q.name))))
  return s
}

function restore(typed: Map<string, TypedValue>, from: Map<string, TypedValue>): void {
  for (const [k, v] of from) typed.set(k, v)
}

function validate(typed: Map<string, TypedValue>): Omit<Fatal, 'stage'> | null {
  let err: Omit<Fatal, 'stage'> | null = null
  if (typed.get('FelixHostname') === '') err = {param: 'FelixHostname', layer: null, message: 'Failed to determine hostname'}
  const endpoints = typed.get('EtcdEndpoints')
  if (typed.get('DatastoreType') === 'etcdv2' && (!Array.isArray(endpoints) || endpoints.length === 0)) {
    if (typed.get('EtcdScheme') === '') err = {param: 'EtcdEndpoints', layer: null, message: 'EtcdEndpoints and EtcdScheme both missing'}
    if (typed.get('EtcdAddr') === '') err = {param: 'EtcdEndpoints', layer: null, message: 'EtcdEndpoints and EtcdAddr both missing'}
  }
  return err
}

/** §5.4: where Felix connects, from what env + file give. */
function datastoreSettings(typed: Map<string, TypedValue>): DatastoreSettings {
  const eps = typed.get('EtcdEndpoints')
  const endpoints = Array.isArray(eps) && eps.length > 0 ? eps.map(String) : [`${String(typed.get('EtcdScheme') ?? '')}://${String(typed.get('EtcdAddr') ?? '')}`]
  return {
    type: String(typed.get('DatastoreType') ?? ''),
    endpoints,
    keyFile: String(typed.get('EtcdKeyFile') ?? ''),
    certFile: String(typed.get('EtcdCertFile') ?? ''),
    caFile: String(typed.get('EtcdCaFile') ?? ''),
  }
}

interface BuildArgs {
  input: ResolveInput
  registry: Registry
  typed: Map<string, TypedValue>
  reported: PassResult
  fatal: Fatal | null
  reached: LayerName[]
  host: string
  env: RawEntry[]
  fileEntries: RawEntry[]
  /** Every per-host entry read, including keys that the Go map collapses (FelixHostname ""). */
  hostLayer: RawEntry[]
  globalLayer: RawEntry[]
  classify: (e: RawEntry) => Outcome
  datastore: DatastoreSettings
  stopped: FatalStage | null
}

function describeEntry(e: RawEntry): string {
  return e.layer === 'env' ? `${e.origin.name ?? 'FELIX_' + e.key}` : e.layer === 'file' ? `${e.key} in ${e.origin.path ?? 'the config file'}${e.origin.line ? `:${e.origin.line}` : ''}` : e.origin.key ?? e.key
}

function buildResolution(a: BuildArgs): Resolution {
  const {registry, typed, reported, input} = a
  const diagnostics: Diagnostic[] = []
  const diag = (d: Omit<Diagnostic, 'hint' | 'origin'> & {hint?: string | null; origin?: Origin | null}) =>
    diagnostics.push({...d, hint: d.hint ?? null, origin: d.origin ?? null})

  if (input.file.state === 'loaded') {
    for (const d of input.file.diagnostics ?? []) diag({severity: d.severity, code: d.code, param: null, layer: 'file', origin: d.origin ?? null, message: d.message})
  }

  const layers: [LayerName, RawEntry[]][] = [['env', a.env], ['file', a.fileEntries], ['host', a.hostLayer], ['global', a.globalLayer]]
  const byParam = new Map<string, RawEntry[]>()
  const unknownAll: RawEntry[] = []
  for (const [, entries] of layers) {
    for (const e of entries) {
      const p = registry.byLowerName.get(goToLower(e.key))
      if (!p) unknownAll.push(e)
      else byParam.set(p.name, [...(byParam.get(p.name) ?? []), e])
    }
  }

  const notReached = (layer: LayerName) => !a.reached.includes(layer)
  const stopWords = a.stopped ? `not applied: Felix stops at the ${a.stopped} stage` : 'not read: the datastore was unavailable'
  const fatalEntryKey = a.fatal && a.fatal.param ? a.fatal : null

  const params: ParamResolution[] = registry.params.map((p) => {
    const entries = byParam.get(p.name) ?? []
    const winner = reported.winners.get(p.name)
    // Ambiguity (§4): one layer holds this parameter under two spellings with different outcomes.
    let ambiguous = false
    for (const [layer] of layers) {
      const inLayer = entries.filter((e) => e.layer === layer && a.classify(e).kind !== 'local-ignored')
      if (inLayer.length > 1 && new Set(inLayer.map((e) => e.raw)).size > 1) {
        ambiguous = true
        diag({
          severity: 'error',
          code: 'ambiguous-spelling',
          param: p.name,
          layer,
          origin: inLayer[0].origin,
          message:
            new Set(inLayer.map((e) => e.key)).size === 1
              ? `${inLayer.length} host directories set ${p.name} with different values (${inLayer.map((e) => e.origin.key).join(', ')}): FelixHostname is "", so Felix merges every host and Go's random map order decides`
              : `${LAYER_WORDS[layer]} sets ${p.name} under ${inLayer.length} spellings (${inLayer.map((e) => e.key).join(', ')}) with different values: which one Felix uses depends on Go's random map order`,
          hint:
            new Set(inLayer.map((e) => e.key)).size === 1
              ? 'fix FelixHostname so that Felix reads only its own host directory'
              : `keep only the canonical spelling: felixctl config set ${p.name} <value> --layer ${layer}${layer === 'file' ? ` -c ${inLayer[0].origin.path}` : layer === 'host' ? ` --host ${a.host}` : ''} --fix-spelling`,
        })
      }
    }
    const statuses: LayerStatus[] = entries.map((e) => {
      const o = a.classify(e)
      let status: EntryStatus
      let message: string | null = null
      if (o.kind === 'local-ignored') {
        status = 'ignored'
        message = `${p.name} is local-only: Felix ignores it in etcd (set it in the environment or the config file)`
      } else if (o.kind === 'fatal') {
        status = 'fatal'
        message = o.message
      } else if (notReached(e.layer)) {
        status = 'shadowed'
        message = o.kind === 'invalid' ? `${stopWords}; also invalid: ${o.message}` : stopWords
      } else if (winner === e) {
        status = o.kind === 'invalid' ? 'invalid-default' : 'effective'
        message = o.kind === 'invalid' ? `${o.message}; Felix uses the default, and this layer still hides lower ones` : o.kind === 'none' ? '`none`: the zero value' : null
      } else if (winner && winner.layer === e.layer) {
        status = 'ignored'
        message =
          winner.key === e.key
            ? `another host directory's value (${winner.origin.key}) was taken: with FelixHostname "" Felix merges every host, and Go's map order decides`
            : `another spelling (${winner.key}) in the same layer was taken; Go's map order decides`
      } else {
        status = 'shadowed'
        message = winner ? `shadowed by ${describeEntry(winner)}` : 'shadowed'
        if (o.kind === 'invalid') message += `; also invalid: ${o.message}`
      }
      return {layer: e.layer, key: e.key, raw: e.raw, status, message, origin: e.origin}
    })

    // Diagnostics per entry.
    for (const e of entries) {
      const o = a.classify(e)
      if (o.kind === 'local-ignored') {
        diag({severity: 'error', code: 'local-only-in-etcd', param: p.name, layer: e.layer, origin: e.origin, message: `Ignoring local-only configuration for ${p.name} from ${LAYER_WORDS[e.layer]} (${e.origin.key})`, hint: `set ${p.name} with FELIX_${p.name.toUpperCase()} or in felix.cfg, and delete the etcd key`})
      } else if (o.kind === 'fatal') {
        const isTheFatal = fatalEntryKey?.param === p.name && fatalEntryKey.layer === e.layer
        const shadowedBy = winner && winner !== e && RANK[winner.layer] > RANK[e.layer] ? winner : undefined
        diag({
          severity: 'error',
          code: shadowedBy ? 'shadowed-fatal' : 'fatal-value',
          param: p.name,
          layer: e.layer,
          origin: e.origin,
          message: shadowedBy
            ? `${o.message} (in ${LAYER_WORDS[e.layer]}): fatal even though ${describeEntry(shadowedBy)} overrides it, because Felix parses every layer before applying precedence`
            : `${o.message} (in ${LAYER_WORDS[e.layer]})${isTheFatal ? '' : ': also fatal'}`,
          hint: `fix or remove ${describeEntry(e)}`,
        })
      } else if (o.kind === 'invalid') {
        // An error when it is the value Felix would have used (it is ignored for the default).
        diag({severity: winner === e ? 'error' : 'warning', code: 'invalid-value', param: p.name, layer: e.layer, origin: e.origin, message: `${o.message} (in ${LAYER_WORDS[e.layer]}): Felix replaces it with the default`, hint: `fix or remove ${describeEntry(e)}`})
      }
    }
    // §4.6: a non-canonical spelling in the file or etcd overrides higher layers.
    if (winner && winner.key !== p.name && winner.layer !== 'env') {
      const higher = entries.filter((e) => RANK[e.layer] > RANK[winner.layer] && a.classify(e).kind !== 'local-ignored')
      diag({
        // With a higher layer, that layer's value is ignored: an error.
        severity: higher.length ? 'error' : 'warning',
        code: higher.length ? 'non-canonical-override' : 'non-canonical-spelling',
        param: p.name,
        layer: winner.layer,
        origin: winner.origin,
        message: higher.length
          ? `${describeEntry(winner)} is spelt "${winner.key}", not "${p.name}": Felix's precedence check misses it, so it overrides ${higher.map(describeEntry).join(', ')}`
          : `${describeEntry(winner)} is spelt "${winner.key}", not "${p.name}": it would override any higher layer that sets ${p.name}`,
        // A command to copy: it names the same file, or the same host directory.
        hint:
          winner.layer === 'file'
            ? `spell it ${p.name}: felixctl config set ${p.name} ${JSON.stringify(winner.raw)} --layer file -c ${winner.origin.path} --fix-spelling`
            : `spell it ${p.name}: felixctl config set ${p.name} ${JSON.stringify(winner.raw)} --layer ${winner.layer}${winner.layer === 'host' ? ` --host ${a.host}` : ''} --fix-spelling`,
      })
    }

    const fromWinner = winner && (winner.layer === 'env' || winner.layer === 'file' || !notReached(winner.layer))
    const value = typed.get(p.name) ?? null
    if (fromWinner && winner) {
      return {name: p.name, value, raw: winner.raw, source: winner.layer, origin: winner.origin, ambiguous, layers: statuses}
    }
    const raw = p.name === 'FelixHostname' ? input.kernelHostname : p.default
    return {name: p.name, value, raw, source: 'default', origin: {type: 'default'}, ambiguous, layers: statuses}
  })

  // With FelixHostname "" every host directory is merged into one map: an unknown key that two
  // host directories set differently keeps whichever Go's map order puts last.
  const hostUnknown = new Map<string, RawEntry[]>()
  for (const e of unknownAll) if (e.layer === 'host') hostUnknown.set(e.key, [...(hostUnknown.get(e.key) ?? []), e])
  for (const [key, list] of hostUnknown) {
    if (list.length > 1 && new Set(list.map((e) => e.raw)).size > 1) {
      list.sort((x, y) => (String(x.origin.key) < String(y.origin.key) ? -1 : 1))
      diag({
        severity: 'warning',
        code: 'ambiguous-host-merge',
        param: null,
        layer: 'host',
        origin: list[0].origin,
        message: `${list.length} host directories set the unknown key ${JSON.stringify(key)} with different values (${list.map((e) => e.origin.key).join(', ')}): FelixHostname is "", so Felix merges every host and Go's random map order decides which is kept`,
        hint: 'fix FelixHostname so that Felix reads only its own host directory',
      })
    }
  }

  const unknown: UnknownEntry[] = []
  // Unknown keys per raw spelling, the highest layer's (§4.1). When Felix stopped before a pass
  // succeeded for a layer, that layer's keys are still listed (highest first), like those of
  // layers it never reached.
  const listed = new Set<string>()
  for (const e of unknownAll) {
    const winner = reported.unknownWinners.get(e.key)
    const kept = winner ? winner === e : !listed.has(e.key) && (notReached(e.layer) || a.stopped !== null)
    if (kept) {
      listed.add(e.key)
      unknown.push({name: e.key, raw: e.raw, source: e.layer, origin: e.origin})
    }
    const suggestions = suggestionsFor(registry, e.key)
    diag({
      severity: 'warning',
      code: 'unknown-param',
      param: null,
      layer: e.layer,
      origin: e.origin,
      message: `Ignoring unknown config param ${JSON.stringify(e.key)} in ${LAYER_WORDS[e.layer]} (${describeEntry(e)})`,
      hint: suggestions.length ? `did you mean ${suggestions.join(', ')}?` : 'see `felixctl config list` for the known parameters',
    })
  }

  // §4: with several fatal values in the layer that stopped Felix, Go's map order picks the one it reports.
  if (a.fatal && a.fatal.layer && a.fatal.stage !== 'file-load' && a.fatal.stage !== 'validate') {
    const candidates = layers
      .filter(([layer]) => layer === a.fatal!.layer)
      .flatMap(([, entries]) => entries)
      .filter((e) => a.classify(e).kind === 'fatal')
    const names = [...new Set(candidates.map((e) => registry.byLowerName.get(goToLower(e.key))?.name ?? e.key))]
    if (names.length > 1) {
      diag({
        severity: 'warning',
        code: 'fatal-map-order',
        param: a.fatal.param,
        layer: a.fatal.layer,
        origin: null,
        message: `${names.length} values in ${LAYER_WORDS[a.fatal.layer]} are fatal (${names.join(', ')}): which one Felix reports depends on Go's random map order; felixctl names ${a.fatal.param}`,
        hint: 'fix all of them',
      })
    }
  }

  if (a.fatal && a.fatal.stage === 'datastore') {
    diag({severity: 'info', code: 'values-after-datastore-failure', param: null, layer: null, origin: null, message: 'Felix stopped at the datastore stage: the raw values and sources shown are those of its last successful pass; typed values Felix logs at this point depend on Go map order', hint: null})
  }

  return {
    felixVersion: registry.felixVersion,
    host: a.host,
    datastore: a.datastore,
    fatal: a.fatal,
    params,
    unknown,
    diagnostics,
  }
}
