/**
 * `config migrate` (issue 18): the Calico v3 resources that keep every Felix doing what Felix
 * 2.0 did with the etcd v2 keys, and a report of everything that does not carry over unchanged.
 *
 * One read of the datastore (buildFleetContext). Each layer (the global directory, each host
 * directory) is converted key by key with Felix 2.0's rules (spelling-insensitive, parsed as
 * Felix parsed, invalid values and fatal ones classified); the fleet evaluator then says, per
 * host, whether Felix 2.0 really used the host's value (a global key spelt non-canonically
 * overrides every host, docs/reference/felix-2.0-config.md §4.6). calico-upgrade's own outcome for each key is computed next to
 * felixctl's, so every difference is named in the report.
 */
import {NotFoundError} from '../errors.js'
import {CONFIG_PREFIX, HOST_PREFIX, Kv} from '../datastore/types.js'
import {Origin, RawEntry, SourceName} from '../layers/types.js'
import {defaultValue, envVarName} from '../params/index.js'
import {goToLower, parseKind, realFileProbe, zeroValue} from '../params/kinds.js'
import {FileProbe, ParamDef, Registry, TypedValue} from '../params/types.js'
import {
  V3Resource,
  V3Value,
  calicoUpgradeValue,
  convertNodeName,
  felix3Default,
  sameV3Value,
  toV3Value,
  v3TargetOf,
  validateV3Resource,
} from '../params/v3-convert.js'
import {FELIX3_VERSION, V3_SOURCES} from '../params/v3-felixconfig.js'
import {FileLayerInput} from '../resolve/resolve.js'
import {Fatal} from '../resolve/types.js'
import {LocalSourceOptions, readLocalLayers} from './config-context.js'
import {FleetOptions, FleetReadFrom, HostKv, buildFleetContext} from './config-fleet.js'
import {FleetEvaluator} from './fleet-eval.js'
import {readForEdit, writeAtomic} from '../lib/atomic-write.js'

export interface MigrateOptions extends FleetOptions {
  /** Only these host directories get a node resource (default: every one with config keys). */
  hosts?: string[]
  pinDefaults?: boolean
  /** Refuse no die-on-fail value: leave it out and go on. */
  force?: boolean
  diff?: boolean
  /** List this machine's env and file settings (also when -c or --env-file is given). */
  listLocal?: boolean
}

/** One report item: the contract's problem shape plus what the item is about. */
export interface MigrateItem {
  severity: 'error' | 'warning' | 'info'
  code: string
  param: string | null
  layer: 'env' | 'file' | 'host' | 'global' | null
  origin: Origin | null
  message: string
  hint: string | null
  /** Host directory (host layer), else null. */
  host: string | null
  /** The key as spelt and its raw value, when the item is about one key. */
  key: string | null
  raw: string | null
  /** `FelixConfiguration/node.x`, `ClusterInformation/default`, or null. */
  resource: string | null
  /** v3 json field name, when there is one. */
  field: string | null
}

export interface LocalSetting {
  variable: string
  value: string
  param: string | null
  layer: 'env' | 'file'
  origin: Origin
  /** The v3 resources also set this parameter (the local value still wins in Felix 3). */
  alsoInResources: string[]
}

export interface DiffCell {
  value: V3Value | string | null
  source: SourceName | 'removed'
}

export interface DiffRow {
  param: string
  field: string | null
  felix2: DiffCell
  v3: DiffCell
  differs: boolean
}

export interface HostDiff {
  host: string
  resource: string
  /** Felix 2.0 would not start on this host (counted as one difference: Felix 3 would start). */
  fatal: Fatal | null
  rows: DiffRow[]
  differs: number
}

export interface MigrateResult {
  felixVersion: string
  felix3Version: string
  sources: typeof V3_SOURCES
  readFrom: FleetReadFrom
  hostDirectories: number
  resources: V3Resource[]
  items: MigrateItem[]
  local: LocalSetting[] | null
  /** Set when felixctl refuses to write resources (exit 3): the codes that made it refuse. */
  refused: string[] | null
  diff: HostDiff[] | null
  warnings: string[]
}

/** Codes that stop the migration unless --force (Felix 2.0 never started with them). */
const FORCEABLE = new Set(['die-on-fail-invalid', 'fatal-none', 'ambiguous-spelling'])
/** Codes that stop it always. */
const ALWAYS_REFUSE = new Set(['node-name-collision', 'node-name-invalid'])

interface LayerEntry {
  key: string
  raw: string
  origin: Origin
}

/** What one layer (a directory) sets, after Felix 2.0's rules: v3 fields and report items. */
interface LayerConversion {
  /** Canonical parameter -> v3 value written. */
  fields: Map<string, V3Value>
  /** Parameters the layer holds with a value Felix replaced by its default. */
  invalid: Set<string>
  /** Parameters the layer holds at all (known, not local-only). */
  held: Set<string>
}

type Item = Omit<MigrateItem, 'hint' | 'host' | 'key' | 'raw' | 'resource' | 'field' | 'origin'> &
  Partial<Pick<MigrateItem, 'hint' | 'host' | 'key' | 'raw' | 'resource' | 'field' | 'origin'>>

function item(i: Item): MigrateItem {
  return {hint: null, host: null, key: null, raw: null, resource: null, field: null, origin: null, ...i}
}

const q = JSON.stringify

function convertLayer(registry: Registry, probe: FileProbe, layer: 'host' | 'global', entries: LayerEntry[], host: string | null, resource: string, items: MigrateItem[]): LayerConversion {
  const fields = new Map<string, V3Value>()
  const invalid = new Set<string>()
  const held = new Set<string>()
  const byParam = new Map<ParamDef, LayerEntry[]>()
  const where = layer === 'global' ? 'the global directory' : `host directory ${q(host)}`
  for (const e of entries) {
    const def = registry.byLowerName.get(goToLower(e.key))
    const base = {layer, host, key: e.key, raw: e.raw, origin: e.origin, resource}
    if (!def) {
      items.push(item({...base, severity: 'warning', code: 'unknown-key', param: null, message: `${e.origin.key}: ${q(e.key)} is not a Felix 2.0 parameter (Felix ignored it): not carried over`, hint: 'delete the key, or set the parameter it was meant to be'}))
      continue
    }
    if (def.localOnly) {
      items.push(item({...base, severity: 'warning', code: 'local-only-in-etcd', param: def.name, message: `${e.origin.key}: ${def.name} is local-only: Felix 2.0 ignored it in etcd, and it is not carried over`, hint: `keep it as ${envVarName(def.name)} in the calico/node environment if it is needed`}))
      continue
    }
    byParam.set(def, [...(byParam.get(def) ?? []), e])
  }
  for (const [def, list] of byParam) {
    held.add(def.name)
    list.sort((a, b) => (a.key === def.name ? -1 : b.key === def.name ? 1 : a.key < b.key ? -1 : 1))
    const e = list[0]
    const base = {layer, host, key: e.key, raw: e.raw, origin: e.origin, resource, param: def.name}
    if (list.length > 1 && new Set(list.map((x) => x.raw)).size > 1) {
      items.push(item({...base, severity: 'error', code: 'ambiguous-spelling', message: `${where} sets ${def.name} under ${list.length} spellings (${list.map((x) => `${x.key}=${q(x.raw)}`).join(', ')}): which one Felix 2.0 used depends on Go's map order`, hint: `keep one spelling (felixctl config set ${def.name} VALUE --layer ${layer}${host ? ` --host ${host}` : ''} --fix-spelling); with --force felixctl takes ${q(e.key)}`}))
    }
    const target = v3TargetOf(def.name)
    // Classify as Felix 2.0 did (§2, §4).
    let value: TypedValue
    if (goToLower(e.raw) === 'none') {
      if (def.nonZero) {
        items.push(item({...base, severity: 'error', code: 'fatal-none', message: `${e.origin.key}: ${def.name}=${q(e.raw)}: Non-zero field cannot be set to none, so Felix 2.0 never started with it`, hint: `fix or remove ${e.origin.key}; --force leaves it out`}))
        continue
      }
      value = zeroValue(def.kind)
    } else {
      const r = parseKind(def.kind, e.raw, probe)
      if (!r.ok) {
        if (def.dieOnFail) {
          items.push(item({...base, severity: 'error', code: 'die-on-fail-invalid', message: `${e.origin.key}: ${def.name}=${q(e.raw)} does not parse (${r.reason}); ${def.name} is die-on-fail, so Felix 2.0 never started with it`, hint: `fix or remove ${e.origin.key}; --force leaves it out`}))
          continue
        }
        invalid.add(def.name)
        const d2 = target ? toV3Value(def, target.field, defaultValue(def, probe), def.default) : null
        const d3 = target ? felix3Default(def.name) : null
        const differs = target && d2?.ok ? !sameV3Value(d2.value, d3) : false
        items.push(
          item({
            ...base,
            severity: 'warning',
            code: 'invalid-value-default',
            field: target?.field.json ?? null,
            message: `${e.origin.key}: ${def.name}=${q(e.raw)} does not parse (${r.reason}); Felix 2.0 used its default ${q(def.default)}. Left out, so the v3 default applies${target ? (differs ? `, which differs (Felix ${FELIX3_VERSION}: ${q(d3)})` : ', which is the same') : ''}`,
            hint: `fix or remove ${e.origin.key}`,
          }),
        )
        continue
      }
      value = r.value
    }
    if (e.key !== def.name) {
      items.push(item({...base, severity: 'warning', code: 'non-canonical-spelling', field: target?.field.json ?? null, message: `${e.origin.key} is spelt ${q(e.key)}, not ${q(def.name)}: Felix 2.0 used it; calico-upgrade would drop it (it matches names exactly)`, hint: null}))
    }
    if (!target || (target.resource === 'ClusterInformation' && layer === 'host')) {
      items.push(item({...base, severity: 'warning', code: 'no-v3-field', message: target ? `${e.origin.key}: ${def.name} is cluster-wide in v3 (ClusterInformation): a per-host value has no v3 place` : `${e.origin.key}: ${def.name} has no field in the v3 FelixConfiguration (libcalico-go ${V3_SOURCES.fieldTable.tag}): not carried over`, hint: null}))
      continue
    }
    const conv = toV3Value(def, target.field, value, e.raw)
    if (!conv.ok) {
      items.push(item({...base, severity: 'warning', code: conv.code, field: target.field.json, message: `${e.origin.key}: ${def.name}=${q(e.raw)}: ${conv.reason}; left out`, hint: null}))
      continue
    }
    fields.set(def.name, conv.value)
    // calico-upgrade, on the same key and value: name every difference.
    const cu = calicoUpgradeValue(e.key, e.raw, target.resource)
    const rb = {...base, field: target.field.json}
    if (target.field.field.startsWith('LogSeverity') && def.kind.type === 'oneof' && goToLower(String(value)) === 'critical') {
      items.push(item({...rb, severity: 'info', code: 'log-level-to-info', message: `${e.origin.key}: ${def.name}=${q(e.raw)} is written as ${q(conv.value)}; calico-upgrade would have turned it into "Info"`}))
    } else if (cu.kind === 'set' && !sameV3Value(cu.value, conv.value)) {
      items.push(item({...rb, severity: 'info', code: 'calico-upgrade-differs', message: `${e.origin.key}: ${def.name}=${q(e.raw)} is written as ${q(conv.value)} (as Felix 2.0 read it); calico-upgrade would write ${q(cu.value)}`}))
    } else if (cu.kind === 'error') {
      items.push(item({...rb, severity: 'info', code: 'calico-upgrade-differs', message: `${e.origin.key}: ${def.name}=${q(e.raw)} is written as ${q(conv.value)}; calico-upgrade would fail on it (${cu.reason})`}))
    }
  }
  return {fields, invalid, held}
}

/** Config keys as entries: the key's last segment is the parameter name as spelt. */
function configEntries(kvs: readonly Kv[]): LayerEntry[] {
  return kvs.map((kv) => ({key: kv.key.slice(kv.key.lastIndexOf('/') + 1), raw: kv.value, origin: {type: 'etcd' as const, key: kv.key}}))
}

function specOf(registry: Registry, fields: Map<string, V3Value>): Record<string, V3Value> {
  const spec: Record<string, V3Value> = {}
  for (const p of registry.params) {
    const v = fields.get(p.name)
    const t = v3TargetOf(p.name)
    if (v !== undefined && t && t.resource === 'FelixConfiguration') spec[t.field.json] = v
  }
  return spec
}

export async function configMigrate(options: MigrateOptions): Promise<MigrateResult> {
  const probe = options.probe ?? realFileProbe()
  const ctx = await buildFleetContext({...options, withLocal: false, probe})
  const registry = ctx.registry
  const items: MigrateItem[] = []
  const hosts = options.hosts?.length ? [...new Set(options.hosts)] : ctx.hostNames
  for (const h of hosts) {
    if (!ctx.byHost.has(h)) {
      throw new NotFoundError(`no host directory ${q(h)} with config keys under ${HOST_PREFIX}`, {hint: 'felixctl config list --all-hosts lists the host directories', code: 'unknown-host'})
    }
  }

  // The global directory -> FelixConfiguration default (+ ClusterInformation).
  const globalKvs = ctx.globalKvs.filter((kv) => kv.key.indexOf('/', CONFIG_PREFIX.length) === -1 && kv.key.length > CONFIG_PREFIX.length)
  const glob = convertLayer(registry, probe, 'global', configEntries(globalKvs), null, 'FelixConfiguration/default', items)

  // Host directories -> FelixConfiguration node.<ConvertNodeName(dir)>.
  const nodes: {host: string; name: string; conv: LayerConversion; fatal: Fatal | null}[] = []
  const byName = new Map<string, string[]>()
  for (const host of hosts) {
    const name = `node.${convertNodeName(host)}`
    const hostKvs: HostKv[] = ctx.byHost.get(host)!
    const conv = convertLayer(registry, probe, 'host', configEntries(hostKvs.map((h) => h.kv)), host, `FelixConfiguration/${name}`, items)
    const ev = ctx.evaluator.evaluate(host, hostKvs)
    if (!ev.fatal) {
      const cells = new Map(ev.cells.map((c) => [c.name, c]))
      for (const param of [...conv.held]) {
        const cell = cells.get(param)
        if (cell && cell.source !== 'host') {
          conv.fields.delete(param)
          conv.invalid.delete(param)
          items.push(item({severity: 'warning', code: 'host-value-overridden', param, layer: 'host', host, resource: `FelixConfiguration/${name}`, origin: cell.origin, message: `host directory ${q(host)} sets ${param}, but Felix 2.0 used ${cell.origin.key ?? cell.source}'s value (a global key spelt non-canonically overrides every host, §4): left out of ${name}`}))
        }
      }
    }
    // An invalid host value: Felix 2.0 used its own default, not the global value.
    for (const param of conv.invalid) {
      const def = registry.params.find((p) => p.name === param)!
      const t = v3TargetOf(param)
      const g = glob.fields.get(param)
      if (!t || t.resource !== 'FelixConfiguration' || g === undefined) continue
      const d2 = toV3Value(def, t.field, defaultValue(def, probe), def.default)
      if (d2.ok && !sameV3Value(d2.value, g)) {
        conv.fields.set(param, d2.value)
        items.push(item({severity: 'info', code: 'invalid-value-pinned', param, layer: 'host', host, resource: `FelixConfiguration/${name}`, field: t.field.json, message: `host directory ${q(host)}: Felix 2.0 used ${param}'s default for the invalid value, not the global one: written as ${q(d2.value)}`}))
      }
    }
    byName.set(name, [...(byName.get(name) ?? []), host])
    nodes.push({host, name, conv, fatal: ev.fatal})
  }
  for (const [name, dirs] of byName) {
    if (name === 'node.' || name.length > 253) {
      items.push(item({severity: 'error', code: 'node-name-invalid', param: null, layer: 'host', host: dirs[0], resource: `FelixConfiguration/${name}`, message: `host directory ${q(dirs[0])} converts to ${q(name)}, which is not a valid v3 name`, hint: 'rename the node before migrating'}))
    }
    if (dirs.length > 1) {
      items.push(item({severity: 'error', code: 'node-name-collision', param: null, layer: 'host', host: dirs[0], resource: `FelixConfiguration/${name}`, message: `host directories ${dirs.map((d) => q(d)).join(', ')} all become ${q(name)} (calico-upgrade's ConvertNodeName)`, hint: 'remove or rename all but one of these host directories'}))
    }
  }

  // Defaults that moved between Felix 2.0 and Felix 3.
  for (const def of registry.params) {
    const t = v3TargetOf(def.name)
    if (def.localOnly || !t || t.resource !== 'FelixConfiguration' || glob.held.has(def.name)) continue
    const d2 = toV3Value(def, t.field, defaultValue(def, probe), def.default)
    const d3 = felix3Default(def.name)
    if (!d2.ok || sameV3Value(d2.value, d3)) continue
    const own = nodes.filter((n) => n.conv.fields.has(def.name)).length
    const pinned = Boolean(options.pinDefaults)
    if (pinned) glob.fields.set(def.name, d2.value)
    items.push(
      item({
        severity: pinned ? 'info' : 'warning',
        code: pinned ? 'default-pinned' : 'default-changed',
        param: def.name,
        layer: 'global',
        resource: 'FelixConfiguration/default',
        field: t.field.json,
        message: `${def.name} is set nowhere globally${own ? ` (${own} host director${own === 1 ? 'y sets' : 'ies set'} it)` : ''}: its default moves from ${q(d2.value)} (Felix 2.0) to ${q(d3)} (Felix ${FELIX3_VERSION})${pinned ? `; --pin-defaults writes ${q(d2.value)} into default` : ''}`,
        hint: pinned ? null : 'felixctl config migrate --pin-defaults keeps the Felix 2.0 default',
      }),
    )
  }

  // Resources.
  const resources: V3Resource[] = [{apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: {name: 'default'}, spec: specOf(registry, glob.fields)}]
  for (const n of [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const spec = specOf(registry, n.conv.fields)
    if (Object.keys(spec).length) resources.push({apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: {name: n.name}, spec})
  }
  const guid = glob.fields.get('ClusterGUID') ?? registry.params.find((p) => p.name === 'ClusterGUID')?.default ?? 'baddecaf'
  const ci: Record<string, V3Value> = {clusterGUID: guid}
  const ctype = glob.fields.get('ClusterType')
  if (ctype !== undefined) ci.clusterType = ctype
  ci.datastoreReady = ctx.readFrom.ready === 'true'
  resources.push({apiVersion: 'projectcalico.org/v3', kind: 'ClusterInformation', metadata: {name: 'default'}, spec: ci})
  for (const r of resources) {
    for (const problem of validateV3Resource(r)) {
      items.push(item({severity: 'error', code: 'schema-invalid', param: null, layer: null, resource: `${r.kind}/${r.metadata.name}`, message: `${r.kind}/${r.metadata.name} does not validate: ${problem}`}))
    }
  }

  // This machine's env and file settings: they stay as FELIX_* variables.
  let local: LocalSetting[] | null = null
  let localEnv: RawEntry[] = []
  let localFile: FileLayerInput = {state: 'absent'}
  const warnings = [...ctx.warnings]
  if (options.listLocal) {
    const l = readLocalLayers(options as LocalSourceOptions)
    warnings.push(...l.warnings)
    localEnv = l.env
    localFile = l.file
    local = []
    const setIn = (param: string) => resources.filter((r) => r.kind === 'FelixConfiguration' && v3TargetOf(param) && v3TargetOf(param)!.field.json in r.spec).map((r) => `${r.kind}/${r.metadata.name}`)
    const fileEntries = l.file.state === 'loaded' ? l.file.entries : []
    for (const e of [...l.env, ...fileEntries]) {
      const def = registry.byLowerName.get(goToLower(e.key))
      const also = def ? setIn(def.name) : []
      const variable = def ? envVarName(def.name) : `FELIX_${e.key.toUpperCase()}`
      local.push({variable, value: e.raw, param: def?.name ?? null, layer: e.layer as 'env' | 'file', origin: e.origin, alsoInResources: also})
      if (also.length) {
        items.push(item({severity: 'warning', code: 'local-also-in-resources', param: def!.name, layer: e.layer as 'env' | 'file', origin: e.origin, key: e.key, raw: e.raw, message: `${e.layer === 'env' ? e.origin.name : `${e.key} in ${e.origin.path}`} sets ${def!.name} on this host, and ${also.join(', ')} set it too: Felix 3 reads env and file first, so the local value still wins here`, hint: `keep ${variable} in the calico/node environment, or drop it and rely on the resource`}))
      }
    }
  }

  const refusing = items.filter((i) => ALWAYS_REFUSE.has(i.code) || (!options.force && FORCEABLE.has(i.code)) || i.code === 'schema-invalid')
  const refused = refusing.length ? [...new Set(refusing.map((i) => i.code))] : null

  let diff: HostDiff[] | null = null
  if (options.diff) diff = diffHosts(ctx, registry, probe, resources, nodes, localEnv, localFile)
  ctx.byHost.clear()

  return {
    felixVersion: ctx.felixVersion,
    felix3Version: FELIX3_VERSION,
    sources: V3_SOURCES,
    readFrom: ctx.readFrom,
    hostDirectories: ctx.hostNames.length,
    resources,
    items,
    local,
    refused,
    diff,
    warnings,
  }
}

/**
 * Per host: each parameter's effective value under Felix 2.0 (the fleet evaluator, with this
 * machine's env and file when listed) next to Felix 3's with the generated resources: env, file,
 * node resource, default resource, Felix 3 default. Values compared in their v3 form.
 */
function diffHosts(
  ctx: Awaited<ReturnType<typeof buildFleetContext>>,
  registry: Registry,
  probe: FileProbe,
  resources: V3Resource[],
  nodes: {host: string; name: string}[],
  env: RawEntry[],
  file: FileLayerInput,
): HostDiff[] {
  const noHostname = (es: readonly RawEntry[]) => es.filter((e) => goToLower(e.key) !== 'felixhostname')
  const fileIn: FileLayerInput = file.state === 'loaded' ? {...file, entries: noHostname(file.entries)} : file
  const ev = env.length || file.state === 'loaded' ? new FleetEvaluator({registry, params: registry.params.filter((p) => !p.localOnly), env: noHostname(env), file: fileIn, globalKvs: ctx.globalKvs, probe}) : ctx.evaluator
  const localEntries = [...noHostname(env), ...(fileIn.state === 'loaded' ? fileIn.entries : [])]
  const spec = (name: string) => resources.find((r) => r.kind === 'FelixConfiguration' && r.metadata.name === name)?.spec ?? {}
  const def = spec('default')
  const ci = resources.find((r) => r.kind === 'ClusterInformation')?.spec ?? {}
  const out: HostDiff[] = []
  for (const n of nodes) {
    const r = ev.evaluate(n.host, ctx.byHost.get(n.host)!)
    const node = spec(n.name)
    const rows: DiffRow[] = []
    for (const cell of r.cells) {
      const p = registry.params.find((x) => x.name === cell.name)!
      const t = v3TargetOf(p.name)
      const fc = t ? t.field : null
      const own = t?.resource === 'ClusterInformation' ? ci : node
      const shared = t?.resource === 'ClusterInformation' ? {} : def
      const c2 = fc ? toV3Value(p, fc, cell.value, cell.raw) : null
      const felix2: DiffCell = {value: c2 && c2.ok ? c2.value : cell.raw, source: cell.source}
      let v3: DiffCell
      const loc = localEntries.find((e) => registry.byLowerName.get(goToLower(e.key))?.name === p.name)
      if (!fc) v3 = {value: null, source: 'removed'}
      else if (loc) {
        const parsed = goToLower(loc.raw) === 'none' ? {ok: true as const, value: zeroValue(p.kind)} : parseKind(p.kind, loc.raw, probe)
        const c = parsed.ok ? toV3Value(p, fc, parsed.value, loc.raw) : null
        v3 = {value: c && c.ok ? c.value : loc.raw, source: loc.layer}
      } else if (fc.json in own) v3 = {value: own[fc.json], source: own === ci ? 'global' : 'host'}
      else if (fc.json in shared) v3 = {value: shared[fc.json], source: 'global'}
      else v3 = {value: felix3Default(p.name), source: 'default'}
      const differs = fc ? !sameV3Value(felix2.value as V3Value, v3.value as V3Value) : cell.source !== 'default'
      rows.push({param: p.name, field: fc?.json ?? null, felix2, v3, differs})
    }
    // A host where Felix 2.0 would not start counts as one difference more: Felix 3 would start.
    out.push({host: n.host, resource: `FelixConfiguration/${n.name}`, fatal: r.fatal, rows, differs: rows.filter((x) => x.differs).length + (r.fatal ? 1 : 0)})
  }
  return out
}

/** --report FILE: the JSON report, written atomically. */
export function writeMigrateReport(path: string, text: string): void {
  writeAtomic(readForEdit(path, {allowMissing: true}), text)
}

