/** `config get`, `config list` and `config explain`: options in, typed results out. */
import {NotFoundError} from '../errors.js'
import {envVarName, getRegistry, globalKey, hostKey, lookupParam, requireParam} from '../params/index.js'
import {describeKind, kindLabel} from '../params/kinds.js'
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

export async function configGet(name: string, options: ConfigContextOptions): Promise<ConfigGetResult> {
  // Unknown names fail before any I/O.
  const def = requireParam(getRegistry(options.felixVersion), name)
  const ctx = await buildConfigContext(options)
  const param = ctx.resolution.params.find((p) => p.name === def.name)!
  const keys = def.localOnly ? {host: null, global: null} : {host: ctx.resolution.host === '' ? null : hostKey(ctx.resolution.host, def.name), global: globalKey(def.name)}
  return {param, keys, fatal: ctx.resolution.fatal, host: ctx.resolution.host, hostSelection: ctx.hostSelection, datastoreRead: ctx.datastoreRead, warnings: ctx.warnings, resolution: ctx.resolution, process: ctx.process && felixProcessJson(ctx.process)}
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

export function configExplain(name: string, options: {felixVersion?: string; host?: string}): ConfigExplainResult {
  const registry = getRegistry(options.felixVersion)
  const later = lookupParam(getRegistry(), name)
  if (!lookupParam(registry, name) && later?.since) {
    throw new NotFoundError(`${later.name} is not a Felix ${registry.felixVersion} parameter: it was added in Felix ${later.since}`, {hint: `felixctl config explain ${later.name} --felix-version ${later.since}`, code: 'unknown-param'})
  }
  const p = requireParam(registry, name)
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
