/**
 * Versioned Felix parameter registries. A registry is data that checks itself: at load,
 * every validated non-empty default is parsed, as Felix's loadParams() does, and a broken
 * default is a felixctl bug (thrown, exit 1).
 */
import {NotFoundError} from '../errors.js'
import {didYouMean} from '../lib/did-you-mean.js'
import {FELIX_2_0_PARAMS} from './felix-2.0.js'
import {goToLower, parseKind, zeroValue} from './kinds.js'
import type {FileProbe, ParamDef, Registry, TypedValue} from './types.js'

export {describeKind, kindLabel, parseKind, realFileProbe, zeroValue} from './kinds.js'
export type {FileProbe, KindSpec, ParamDef, ParseResult, Registry, TypedValue} from './types.js'

export const SUPPORTED_FELIX_VERSIONS = ['2.0.0', '2.0.1', '2.0.2', '2.0.3', '2.0.4'] as const
export type FelixVersion = (typeof SUPPORTED_FELIX_VERSIONS)[number]
export const DEFAULT_FELIX_VERSION: FelixVersion = '2.0.4'

/** A probe on which nothing exists: defaults must parse without looking at the host. */
const EMPTY_PROBE: FileProbe = {exists: () => false, isExecutable: () => false, felixDir: '/nonexistent', pathEnv: ''}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/**
 * The one name lookup: each registry's parameters by Go-lower-cased name (Felix matches names
 * with strings.ToLower, src/lib/go-lower.ts). Private: every lookup goes through lookupParam.
 * Built on first use for registries made elsewhere (subRegistry).
 */
const lowerNames = new WeakMap<Registry, ReadonlyMap<string, ParamDef>>()

function lowerNameMap(registry: Registry): ReadonlyMap<string, ParamDef> {
  let map = lowerNames.get(registry)
  if (!map) {
    const m = new Map<string, ParamDef>()
    for (const param of registry.params) {
      const lower = goToLower(param.name)
      if (m.has(lower)) throw new Error(`Felix ${registry.felixVersion} registry: duplicate parameter ${param.name}`)
      m.set(lower, param)
    }
    lowerNames.set(registry, (map = m))
  }
  return map
}

function buildRegistry(version: string, all: readonly ParamDef[]): Registry {
  const params = all.filter((param) => param.since === undefined || compareVersions(param.since, version) <= 0)
  const registry: Registry = {felixVersion: version, params}
  lowerNameMap(registry)
  for (const param of params) {
    if (param.defaultValidated && param.default !== '') {
      const parsed = parseKind(param.kind, param.default, EMPTY_PROBE)
      if (!parsed.ok) {
        throw new Error(`Felix ${version} registry: invalid default for ${param.name}: ${JSON.stringify(param.default)}: ${parsed.reason}`)
      }
    }
  }
  return registry
}

/** A registry of some of `registry`'s parameters (the fleet evaluator resolves one parameter at a time). */
export function subRegistry(registry: Registry, params: readonly ParamDef[]): Registry {
  return {felixVersion: registry.felixVersion, params}
}

const cache = new Map<string, Registry>()

/** The registry of a Felix version (2.0.0 lacks ChainInsertMode and LogPrefix). Unknown version: NotFoundError (exit 4). */
export function getRegistry(version: string = DEFAULT_FELIX_VERSION): Registry {
  const cached = cache.get(version)
  if (cached) return cached
  if (!(SUPPORTED_FELIX_VERSIONS as readonly string[]).includes(version)) {
    const close = didYouMean(version, SUPPORTED_FELIX_VERSIONS)
    throw new NotFoundError(`unknown Felix version ${JSON.stringify(version)}; supported: ${SUPPORTED_FELIX_VERSIONS.join(', ')}`, {
      hint: close.length > 0 ? `did you mean ${close.join(' or ')}?` : `use one of ${SUPPORTED_FELIX_VERSIONS.join(', ')}`,
      code: 'unknown-felix-version',
    })
  }
  const registry = buildRegistry(version, FELIX_2_0_PARAMS)
  cache.set(version, registry)
  return registry
}

/**
 * Look a parameter up by name, case-insensitively with Go's strings.ToLower (as Felix does);
 * undefined when unknown. The one lookup of a parameter by name.
 */
export function lookupParam(registry: Registry, name: string): ParamDef | undefined {
  return lowerNameMap(registry).get(goToLower(name))
}

/** Whether two spellings name the same parameter as Felix compares them (Go's strings.ToLower of both). */
export function sameParamName(a: string, b: string): boolean {
  return a === b || goToLower(a) === goToLower(b)
}

/**
 * Like lookupParam, but an unknown name is a NotFoundError (exit 4) with a did-you-mean. `typed`:
 * what the operator typed when `name` was read out of it (an env variable FELIX_NAME, an etcd key):
 * the message names what was typed, and the name it was read as.
 */
export function requireParam(registry: Registry, name: string, typed: string = name): ParamDef {
  const param = lookupParam(registry, name)
  if (param) return param
  const close = didYouMean(
    name,
    registry.params.map((p) => p.name),
  )
  const readAs = typed === name ? '' : ` (read as the parameter name ${JSON.stringify(name)})`
  throw new NotFoundError(`unknown Felix ${registry.felixVersion} parameter ${JSON.stringify(typed)}${readAs}`, {
    hint: close.length > 0 ? `did you mean ${close.join(', ')}?` : 'run `felixctl config list` to see every parameter',
    code: 'unknown-param',
  })
}

/**
 * The value Felix holds when no layer sets the parameter: the parsed default, the zero value
 * when the default is empty, or the raw string when the default is not validated (DataplaneDriver).
 * FelixHostname's default is empty here; Felix starts with the kernel hostname (the resolver's job).
 */
export function defaultValue(param: ParamDef, probe: FileProbe): TypedValue {
  if (!param.defaultValidated) return param.default
  if (param.default === '') return zeroValue(param.kind)
  const parsed = parseKind(param.kind, param.default, probe)
  if (!parsed.ok) throw new Error(`invalid default for ${param.name}: ${parsed.reason}`)
  return parsed.value
}

/** The environment variable Felix reads for a parameter (any case works; this is the documented form). */
export function envVarName(name: string): string {
  return 'FELIX_' + name.toUpperCase()
}

/** The global etcd key of a parameter. */
export function globalKey(name: string): string {
  return `/calico/v1/config/${name}`
}

/** The per-host etcd key of a parameter. */
export function hostKey(host: string, name: string): string {
  return `/calico/v1/host/${host}/config/${name}`
}
