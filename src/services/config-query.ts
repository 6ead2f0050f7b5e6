/** `config get`, `config list` and `config explain`: options in, typed results out. */
import {NotFoundError, UsageError} from '../errors.js'
import {CONFIG_PREFIX} from '../datastore/types.js'
import {parseHostConfigKey} from '../layers/etcd.js'
import {envVarName, getRegistry, globalKey, hostKey, lookupParam, requireParam} from '../params/index.js'
import {describeKind, kindLabel} from '../params/kinds.js'
import {goToLower} from '../lib/go-lower.js'
import {Fatal, ParamResolution, Resolution} from '../resolve/types.js'
import {ConfigContextOptions, DatastoreRead, HostSelection, buildConfigContext, kernelHostnameFrom} from './config-context.js'
import {FelixProcess, felixProcessJson} from './felix-process.js'


export interface ConfigGetResult {
  param: ParamResolution
  /** The etcd keys Felix reads for this parameter on this host (null for local-only parameters). */
  keys: {host: string | null; global: string | null}
  fatal: Fatal | null
  host: string
  /** Which host directory was evaluated, and why. */
  hostSelection: HostSelection
  datastoreRead: DatastoreRead
  warnings: string[]
  resolution: Resolution
  /** --pid/--running: the process whose inputs these are. */
  process?: FelixProcess | null
}

/**
 * A parameter as the operator may name it: its name in any case, its environment variable
 * (Felix lower-cases variable names with Go's rules and strips `felix_`), or its etcd key,
 * global (/calico/v1/config/NAME) or per host (/calico/v1/host/HOST/config/NAME, which also
 * names the host directory).
 */
export function paramNameFromInput(input: string): {name: string; host?: string} {
  if (input.startsWith(CONFIG_PREFIX) && !input.slice(CONFIG_PREFIX.length).includes('/')) return {name: input.slice(CONFIG_PREFIX.length)}
  const hostKeyParts = parseHostConfigKey(input)
  if (hostKeyParts) return {name: hostKeyParts.name, host: hostKeyParts.host}
  if (input.startsWith('/')) {
    throw new UsageError(`${JSON.stringify(input)} is not a Felix config key`, {hint: 'etcd keys are /calico/v1/config/NAME or /calico/v1/host/HOST/config/NAME', code: 'bad-key'})
  }
  const lower = goToLower(input)
  return lower.startsWith('felix_') ? {name: input.slice('felix_'.length)} : {name: input}
}

function getResult(ctx: Awaited<ReturnType<typeof buildConfigContext>>, name: string): ConfigGetResult {
  const def = requireParam(ctx.registry, name)
  const found = ctx.resolution.params.find((p) => p.name === def.name)!
  const keys = def.localOnly ? {host: null, global: null} : {host: ctx.resolution.host === '' ? null : hostKey(ctx.resolution.host, def.name), global: globalKey(def.name)}
  const param = withRevisions(found, ctx.datastoreRead)
  return {param, keys, fatal: ctx.resolution.fatal, host: ctx.resolution.host, hostSelection: ctx.hostSelection, datastoreRead: ctx.datastoreRead, warnings: ctx.warnings, resolution: ctx.resolution, process: ctx.process && felixProcessJson(ctx.process)}
}

/**
 * The etcd origins of a parameter with the revision of their key (v3 mod_revision, v2
 * modifiedIndex), for --if-revision; snapshots carry none, and then nothing is added.
 */
function withRevisions(p: ParamResolution, read: DatastoreRead): ParamResolution {
  const kvs = read.tree?.kvs
  if (!kvs || !kvs.some((kv) => kv.revision !== undefined)) return p
  const byKey = new Map(kvs.map((kv) => [kv.key, kv.revision]))
  const add = <T extends {origin: ParamResolution['origin']}>(x: T): T => {
    const revision = x.origin.type === 'etcd' && x.origin.key !== undefined ? byKey.get(x.origin.key) : undefined
    return revision === undefined ? x : {...x, origin: {...x.origin, revision}}
  }
  return {...add(p), layers: p.layers.map(add)}
}

/** The result names the host directory of a per-host etcd key given as a name, unless --host says another. */
function hostFromNames(inputs: readonly string[], options: ConfigContextOptions): ConfigContextOptions {
  const hosts = new Set(inputs.map((n) => paramNameFromInput(n).host).filter((h): h is string => h !== undefined))
  if (hosts.size === 0) return options
  const [host] = hosts
  if (hosts.size > 1 || (options.host !== undefined && options.host !== host)) {
    throw new UsageError(`the names given are keys of ${[...new Set([...hosts, ...(options.host === undefined ? [] : [options.host])])].map((h) => JSON.stringify(h)).join(' and ')}: one host directory per command`, {hint: 'give keys of one host directory, or parameter names with --host', code: 'host-conflict'})
  }
  return {...options, host}
}

export async function configGet(name: string, options: ConfigContextOptions): Promise<ConfigGetResult> {
  return (await configGetMany([name], options))[0]
}

/** `config get NAME...`: several parameters from one read of every layer. */
export async function configGetMany(inputs: readonly string[], options: ConfigContextOptions): Promise<ConfigGetResult[]> {
  // Unknown names fail before any I/O.
  const registry = getRegistry(options.felixVersion)
  const names = inputs.map((n) => requireParam(registry, paramNameFromInput(n).name, n).name)
  const ctx = await buildConfigContext(hostFromNames(inputs, options))
  return names.map((n) => getResult(ctx, n))
}

export interface ConfigListResult {
  resolution: Resolution
  hostSelection: HostSelection
  datastoreRead: DatastoreRead
  warnings: string[]
  changedOnly: boolean
  process?: FelixProcess | null
}

export async function configList(options: ConfigContextOptions & {changed?: boolean}): Promise<ConfigListResult> {
  const ctx = await buildConfigContext(options)
  return {resolution: ctx.resolution, hostSelection: ctx.hostSelection, datastoreRead: ctx.datastoreRead, warnings: ctx.warnings, changedOnly: Boolean(options.changed), process: ctx.process && felixProcessJson(ctx.process)}
}

export interface ConfigExplainResult {
  name: string
  felixVersion: string
  doc: string
  kind: string
  accepts: string
  default: string
  defaultNote: string | null
  flags: {localOnly: boolean; nonZero: boolean; dieOnFail: boolean}
  flagWords: string[]
  envVar: string
  fileKey: string
  etcdKeys: {global: string | null; host: string | null}
  seedPage: {says: string | null; wrong: string | null}
  since: string | null
}

/** `config explain` with no name (or --all): every parameter of the version, offline. */
export function configExplainAll(options: {felixVersion?: string; host?: string}): ConfigExplainResult[] {
  const registry = getRegistry(options.felixVersion)
  return registry.params.map((p) => configExplain(p.name, options))
}

export function configExplain(input: string, options: {felixVersion?: string; host?: string}): ConfigExplainResult {
  const registry = getRegistry(options.felixVersion)
  const fromKey = paramNameFromInput(input)
  const name = fromKey.name
  if (fromKey.host !== undefined && options.host === undefined) options = {...options, host: fromKey.host}
  const later = lookupParam(getRegistry(), name)
  if (!lookupParam(registry, name) && later?.since) {
    const given = input === later.name ? '' : ` (given as ${JSON.stringify(input)})`
    throw new NotFoundError(`${later.name}${given} is not a Felix ${registry.felixVersion} parameter: it was added in Felix ${later.since}`, {hint: `felixctl config explain ${later.name} --felix-version ${later.since}`, code: 'unknown-param'})
  }
  const p = requireParam(registry, name, input)
  const host = kernelHostnameFrom(options.host)
  const flagWords: string[] = []
  if (p.localOnly) flagWords.push('local-only: read from the environment and the config file only; a value in etcd is ignored with a warning')
  if (p.nonZero) flagWords.push('non-zero: the value `none` is fatal (Felix will not start)')
  if (p.dieOnFail) flagWords.push('fatal if invalid: a value that does not parse stops Felix, even in a layer that a higher one overrides')
  else flagWords.push('falls back if invalid: a value that does not parse is replaced by the default, and its layer still hides lower layers')
  let defaultNote: string | null = null
  if (p.name === 'FelixHostname') defaultNote = 'Felix starts with the kernel hostname; an invalid value becomes "" and start-up fails with "Failed to determine hostname"'
  else if (!p.defaultValidated) defaultNote = 'Felix does not validate this default'
  else if (p.default === '') defaultNote = 'no default: the zero value of the kind'
  return {
    name: p.name,
    felixVersion: registry.felixVersion,
    doc: p.doc,
    kind: kindLabel(p.kind),
    accepts: describeKind(p.kind),
    default: p.default,
    defaultNote,
    flags: {localOnly: p.localOnly, nonZero: p.nonZero, dieOnFail: p.dieOnFail},
    flagWords,
    envVar: envVarName(p.name),
    fileKey: p.name,
    etcdKeys: p.localOnly ? {global: null, host: null} : {global: globalKey(p.name), host: hostKey(host, p.name)},
    seedPage: {says: p.seedPage?.says ?? null, wrong: p.seedPage?.wrong ?? null},
    since: p.since ?? null,
  }
}
