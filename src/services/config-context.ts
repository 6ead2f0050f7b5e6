/**
 * Builds the resolver's input the way Felix would see it on the host being evaluated:
 * the env and file layers from local sources, then the datastore Felix would connect to
 * (or the one the operator named), then one resolve. Shared by every `config` command.
 */
import {readRegularFile} from '../lib/read-file.js'
import {hostname as osHostname} from 'node:os'
import {DatastoreError, LocalIoError, UsageError, localIoErrorFrom} from '../errors.js'
import {envEntries, parseEnvFile, processEnvVars} from '../layers/env.js'
import {hostDirProblem} from '../layers/etcd.js'
import {parseFelixCfg} from '../layers/felix-cfg.js'
import {LayerDiagnostic, Origin, RawEntry} from '../layers/types.js'
import {getRegistry} from '../params/index.js'
import {realFileProbe} from '../params/kinds.js'
import {FileProbe, Registry} from '../params/types.js'
import {DatastoreLayerInput, FileLayerInput, resolveFelixConfig} from '../resolve/resolve.js'
import {Diagnostic, Resolution} from '../resolve/types.js'
import type {ConfigTree, Datastore} from '../datastore/types.js'
import {ConnectionOrigin, ConnectionSources, Sourced, SourcedConnection, needsCalicoctl, pickConnectionPart, readCalicoctlSettings} from '../datastore/calicoctl-settings.js'
import {withFelixProcess, type FelixProcessInput} from './felix-process.js'

export const DEFAULT_CONFIG_FILE = '/etc/calico/felix.cfg'
/** docs/reference/felix-2.0-config.md §3.5: Felix 2.0 reads etcd through the v2 API; etcd 3.4 keeps the v2 and v3 key spaces apart. */
export const V3_NOTE = 'note: Felix 2.0 reads etcd through the v2 API; these are the keys in the v3 store (--datastore-type etcdv3), which Felix itself does not see'
/** Largest local file felixctl will read as a config or env file: Felix's own files are tiny. */
export const MAX_LOCAL_FILE_BYTES = 64 * 1024 * 1024

export interface LocalSourceOptions {
  /** -c/--config-file; undefined means Felix's default path (a missing default file is no file). */
  configFile?: string
  envFile?: string
  pid?: number
  /** --running: find the calico-felix process and use it as --pid. */
  running?: boolean
  /** What --pid/--running read from the process (withFelixProcess in felix-process.ts fills it). */
  felixProcess?: FelixProcessInput
  /** The environment to read when neither envFile nor pid is given (default process.env). */
  processEnv?: NodeJS.ProcessEnv
  /** An explicitly named config file may be missing (config set --layer file creates it). */
  configFileMayBeMissing?: boolean
}

export interface DatastoreOptions {
  snapshot?: string
  datastoreType?: 'etcdv2' | 'etcdv3' | 'kubernetes'
  etcdEndpoints?: string[]
  etcdCaFile?: string
  etcdCertFile?: string
  etcdKeyFile?: string
  /** --calicoctl-config: calicoctl's own settings file (default /etc/calico/calicoctl.cfg, read only where Felix's settings are absent). */
  calicoctlConfig?: string
  timeoutMs?: number
  /** Show env and file layers when the datastore cannot be reached. */
  allowPartial?: boolean
  /** Read every host's config directory, not only the evaluated host's (validate --all-hosts). */
  readAllHosts?: boolean
}

export interface ConfigContextOptions extends LocalSourceOptions, DatastoreOptions {
  /** The kernel hostname of the node being evaluated (default: this machine's). */
  host?: string
  felixVersion?: string
  probe?: FileProbe
  /**
   * --no-local: evaluate from etcd alone (no env, no config file), so that the per-host
   * directory is --host's. The local layers still say where to connect, as Felix would.
   */
  noLocal?: boolean
}

/** Which host directory was evaluated, and why (docs/reference/contracts.md §4). */
export interface HostSelection {
  /** The kernel hostname evaluated: --host, or this machine's. */
  kernelHostname: string
  /** Whether --host named it (else it is this machine's hostname). */
  fromFlag: boolean
  /** The per-host directory whose keys apply: the resolved FelixHostname. */
  directory: string
  /** Where FelixHostname was set when env or file set it, else null. */
  setBy: Origin | null
  /** `ignored` with --no-local: this machine's env and config file were not applied. */
  localLayers: 'applied' | 'ignored'
  /** One sentence when the directory is not the kernel hostname, else null. */
  note: string | null
}

export interface LocalLayers {
  env: RawEntry[]
  envDiagnostics: LayerDiagnostic[]
  file: FileLayerInput
  warnings: string[]
}

export interface DatastoreRead {
  /** What felixctl read from: the snapshot path, the endpoints it connected to, or nothing. */
  kind: 'etcdv2' | 'etcdv3' | 'snapshot' | 'kubernetes' | 'none'
  endpoints: string[]
  ready: string | null
  /** Set when --allow-partial kept going without the datastore. */
  unavailable?: string
  tree?: ConfigTree
}

export interface ConfigContext {
  registry: Registry
  kernelHostname: string
  /** The Felix process whose inputs these are (--pid/--running), or null. */
  process: FelixProcessInput | null
  local: LocalLayers
  datastoreRead: DatastoreRead
  resolution: Resolution
  hostSelection: HostSelection
  /** Human-readable notes for stderr (missing files, partial results, Ready flag). */
  warnings: string[]
}

function readLocalFile(path: string, what: string): Buffer {
  return readRegularFile(path, what, MAX_LOCAL_FILE_BYTES)
}

/** The env and file layers, from local sources. */
export function readLocalLayers(options: LocalSourceOptions): LocalLayers {
  const warnings: string[] = []
  let vars
  if (options.envFile !== undefined && options.pid !== undefined) {
    throw new UsageError('--env-file and --pid both name the environment; give one', {hint: 'use --env-file for a file, --pid for a running Felix'})
  }
  const fp = options.felixProcess
  if (fp === undefined && (options.pid !== undefined || options.running)) throw new Error('bug: --pid/--running not read (call withFelixProcess first)')
  if (fp !== undefined) {
    vars = fp.env
  } else if (options.envFile !== undefined) {
    vars = parseEnvFile(readLocalFile(options.envFile, 'env file'), options.envFile, (name) => (options.processEnv ?? process.env)[name])
  } else {
    vars = processEnvVars(options.processEnv ?? process.env)
  }
  const {entries: env, diagnostics: envDiagnostics} = envEntries(vars)

  const path = fp ? fp.configFile.path : options.configFile ?? DEFAULT_CONFIG_FILE
  let file: FileLayerInput
  let content: Buffer | null = null
  if (fp) {
    content = fp.configContent
    if (content === null && fp.configFile.fromCommandLine) warnings.push(`warning: config file ${path} does not exist in PID ${fp.pid}'s mount namespace; Felix would run without one`)
  } else {
    try {
      content = readLocalFile(path, 'config file')
    } catch (error) {
      if (error instanceof LocalIoError && /no such file/.test(error.message)) {
        // felix-2.0-config.md §3.2: a missing default file is no file; a file named explicitly (-c or FELIXCTL_CONFIG_FILE)
        // must exist (exit 6), unless the command is about to create it.
        if (options.configFile !== undefined && !options.configFileMayBeMissing) {
          throw new LocalIoError(`config file ${path} does not exist (named with -c/--config-file or FELIXCTL_CONFIG_FILE)`, {
            path,
            hint: `check the path; without -c felixctl reads ${DEFAULT_CONFIG_FILE} (absent is no file, as in Felix); -c /dev/null evaluates with no config file`,
            code: 'config-file-missing',
          })
        }
      } else throw error
    }
  }
  if (content === null) file = {state: 'absent', path}
  else {
    const parsed = parseFelixCfg(content, path)
    // The path is the process's own; the origin says whose mount namespace it is in.
    if (fp && parsed.ok) for (const o of [...parsed.entries, ...parsed.shadowed, ...parsed.diagnostics].map((e) => e.origin)) if (o) o.pid = fp.pid
    file = parsed.ok
      ? {state: 'loaded', path, entries: parsed.entries, shadowed: parsed.shadowed, diagnostics: parsed.diagnostics}
      : {state: 'failed', path, message: parsed.error.message, line: parsed.error.line}
  }
  return {env, envDiagnostics, file, warnings}
}

/**
 * The flags that selected the data, as a command-line suffix: a hint that is a command must read
 * what the check read (item: printed fix commands run as printed). `forWrite`: a snapshot is
 * read-only, so a write names the etcd to change instead (a placeholder the operator fills in).
 */
export function selectionFlags(o: ConfigContextOptions, host: string | null | undefined = o.host, forWrite = false): string {
  const out: string[] = []
  const add = (flag: string, v: string | number | undefined | null) => {
    if (v !== undefined && v !== null && v !== '') out.push(flag, shellWord(String(v)))
  }
  add('--host', host)
  add('-c', o.configFile)
  add('--env-file', o.envFile)
  add('--pid', o.pid)
  if (o.snapshot !== undefined && forWrite) out.push('--etcd-endpoints', '<the etcd the snapshot came from>')
  else add('--snapshot', o.snapshot)
  add('--datastore-type', o.datastoreType)
  add('--etcd-endpoints', o.etcdEndpoints?.join(','))
  add('--etcd-ca-file', o.etcdCaFile)
  add('--etcd-cert-file', o.etcdCertFile)
  add('--etcd-key-file', o.etcdKeyFile)
  add('--calicoctl-config', o.calicoctlConfig)
  return out.length ? ` ${out.join(' ')}` : ''
}

function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`
}

/** Where felixctl connects: one place for the precedence (docs/architecture.md, "Where felixctl connects"). */
export async function connectionFor(resolution: Resolution, options: DatastoreOptions & Pick<LocalSourceOptions, 'processEnv'>): Promise<SourcedConnection> {
  const felixType = resolution.datastore.type
  const type = options.datastoreType ?? (felixType === 'kubernetes' ? 'kubernetes' : 'etcdv2')
  const env = options.processEnv ?? process.env
  // A flag and its FELIXCTL_ variable reach felixctl as one value (oclif): the variable is named when it holds that value.
  const explicit = <T>(value: T | undefined, flag: string, envName: string, same: (v: T, text: string) => boolean): Sourced<T> | undefined => {
    if (value === undefined) return undefined
    const text = env[envName]
    return {value, origin: text !== undefined && same(value, text) ? {source: 'felixctl-env', name: envName} : {source: 'flag', name: flag}}
  }
  const sameList = (v: string[], text: string) => v.join(',') === text.split(',').map((s) => s.trim()).filter(Boolean).join(',')
  const sameText = (v: string, text: string) => v === text
  const felixParam = (name: string) => {
    const p = resolution.params.find((q) => q.name === name)
    if (!p || (p.source !== 'env' && p.source !== 'file')) return undefined
    return {value: p.value, origin: {source: 'felix', name: p.origin.name ?? p.name, path: p.origin.path, line: p.origin.line} as ConnectionOrigin}
  }
  const felixEndpoints = ['EtcdEndpoints', 'EtcdAddr', 'EtcdScheme'].map(felixParam).find((p) => p !== undefined && (!Array.isArray(p.value) || p.value.length > 0))
    ?? ['EtcdAddr', 'EtcdScheme', 'EtcdEndpoints'].map(felixParam).find((p) => p !== undefined)
  const felixFile = (name: string): Sourced<string> | undefined => {
    const p = felixParam(name)
    return p && {value: String(p.value), origin: p.origin}
  }
  const parts = {
    endpoints: {
      flag: explicit(options.etcdEndpoints?.length ? options.etcdEndpoints : undefined, '--etcd-endpoints', 'FELIXCTL_ETCD_ENDPOINTS', sameList),
      felix: felixEndpoints && {value: resolution.datastore.endpoints, origin: felixEndpoints.origin},
      fallback: {value: resolution.datastore.endpoints, origin: {source: 'default', name: 'EtcdScheme://EtcdAddr'}} as Sourced<string[]>,
    },
    caFile: {flag: explicit(options.etcdCaFile, '--etcd-ca-file', 'FELIXCTL_ETCD_CA_FILE', sameText), felix: felixFile('EtcdCaFile'), fallback: null},
    certFile: {flag: explicit(options.etcdCertFile, '--etcd-cert-file', 'FELIXCTL_ETCD_CERT_FILE', sameText), felix: felixFile('EtcdCertFile'), fallback: null},
    keyFile: {flag: explicit(options.etcdKeyFile, '--etcd-key-file', 'FELIXCTL_ETCD_KEY_FILE', sameText), felix: felixFile('EtcdKeyFile'), fallback: null},
  }
  // calicoctl's own settings only where neither a flag nor Felix gives a part, and only for etcd.
  const calicoctl = type !== 'kubernetes' && options.snapshot === undefined && needsCalicoctl(parts) ? await readCalicoctlSettings(options.calicoctlConfig, env) : null
  const sources: ConnectionSources = {
    endpoints: pickConnectionPart({...parts.endpoints, calicoctl: calicoctl?.endpoints})!,
    caFile: pickConnectionPart({...parts.caFile, calicoctl: calicoctl?.caFile}),
    certFile: pickConnectionPart({...parts.certFile, calicoctl: calicoctl?.certFile}),
    keyFile: pickConnectionPart({...parts.keyFile, calicoctl: calicoctl?.keyFile}),
  }
  const nonEmpty = (s?: Sourced<string> | null) => (s?.value ? s.value : undefined)
  return {
    type,
    endpoints: sources.endpoints.value,
    caFile: nonEmpty(sources.caFile),
    certFile: nonEmpty(sources.certFile),
    keyFile: nonEmpty(sources.keyFile),
    timeoutMs: options.timeoutMs ?? 5000,
    sources,
    notes: calicoctl?.notes ?? [],
  }
}

export async function openConfiguredDatastore(resolution: Resolution, options: DatastoreOptions & Pick<LocalSourceOptions, 'processEnv'>): Promise<Datastore> {
  const {openDatastore} = await import('../datastore/index.js')
  if (options.snapshot !== undefined) return openDatastore({type: 'snapshot', path: options.snapshot})
  return openDatastore(await connectionFor(resolution, options))
}

export function kernelHostnameFrom(host: string | undefined): string {
  const h = host ?? osHostname()
  if (host !== undefined) {
    const problem = hostDirProblem(h)
    if (problem) throw new UsageError(`--host ${JSON.stringify(h)} is not a valid host name: ${problem}`, {hint: 'give the node name as Felix reports it, for example --host node1'})
  }
  return h
}

/** Why Felix would wait at start-up with this Ready flag (one implementation, in the datastore package). */
import {readyProblem} from '../datastore/index.js'
export const readyWarning = readyProblem

/** Resolve again with some layers replaced (what a `set` would leave behind). */
export function resolveWith(ctx: ConfigContext, changes: {env?: RawEntry[]; file?: FileLayerInput; kvs?: ConfigTree['kvs']}, probe: FileProbe = realFileProbe()): Resolution {
  const kvs = changes.kvs ?? ctx.datastoreRead.tree?.kvs
  const datastore: DatastoreLayerInput =
    ctx.datastoreRead.kind === 'kubernetes' ? {state: 'kubernetes'} : kvs ? {state: 'loaded', kvs} : {state: 'unavailable', reason: ctx.datastoreRead.unavailable ?? 'not read'}
  return resolveFelixConfig({registry: ctx.registry, kernelHostname: ctx.kernelHostname, env: changes.env ?? ctx.local.env, file: changes.file ?? ctx.local.file, datastore, probe})
}

/** The local view: env and file read, and resolved alone — what Felix connects with (felix-2.0-config.md §5.4). */
export function resolveLocal(options: ConfigContextOptions) {
  const registry = getRegistry(options.felixVersion)
  // --host still decides when given; else the process's UTS namespace, else this machine's.
  const kernelHostname = options.host === undefined && options.felixProcess ? options.felixProcess.hostname : kernelHostnameFrom(options.host)
  const probe = options.probe ?? realFileProbe()
  const local = readLocalLayers(options)
  const resolveWith = (datastore: DatastoreLayerInput) =>
    resolveFelixConfig({registry, kernelHostname, env: local.env, file: local.file, datastore, probe})
  return {registry, kernelHostname, local, resolveWith, localOnly: resolveWith({state: 'unavailable', reason: 'not read yet'})}
}

/** Everything `config get|list|validate` need: local layers, datastore, one resolve. */
export async function buildConfigContext(options: ConfigContextOptions): Promise<ConfigContext> {
  options = await withFelixProcess(options)
  const {registry, kernelHostname, local: localRead, resolveWith: resolveLocalWith, localOnly} = resolveLocal(options)
  const warnings = [...localRead.warnings]
  if (options.noLocal) warnings.push(`note: --no-local: this machine's env and config file are not applied (they only say where to connect); host directory ${kernelHostname} is evaluated from etcd alone`)
  // --no-local: the local layers only say where to connect; the evaluation has neither.
  const local: LocalLayers = options.noLocal ? {env: [], envDiagnostics: [], file: {state: 'absent', path: localRead.file.path}, warnings: localRead.warnings} : localRead
  const resolveWith = options.noLocal
    ? (datastore: DatastoreLayerInput) => resolveFelixConfig({registry, kernelHostname, env: [], file: local.file, datastore, probe: options.probe ?? realFileProbe()})
    : resolveLocalWith
  let datastoreRead: DatastoreRead
  let datastoreInput: DatastoreLayerInput
  const stoppedEarly = !options.noLocal && localOnly.fatal && ['file-load', 'env', 'file'].includes(localOnly.fatal.stage)
  const wantsKubernetes = options.snapshot === undefined && (options.datastoreType ?? localOnly.datastore.type) === 'kubernetes'
  if (wantsKubernetes) {
    datastoreRead = {kind: 'kubernetes', endpoints: [], ready: null}
    datastoreInput = {state: 'kubernetes'}
    warnings.push('note: DatastoreType is kubernetes: the per-host and global etcd layers do not exist')
  } else if (stoppedEarly && options.snapshot === undefined) {
    // Felix never gets to connect; neither do we.
    datastoreRead = {kind: 'none', endpoints: [], ready: null}
    datastoreInput = {state: 'unavailable', reason: `Felix stops at the ${localOnly.fatal!.stage} stage before connecting`}
  } else {
    let ds: Datastore | undefined
    try {
      ds = await openConfiguredDatastore(localOnly, options)
      // Only the directories this host's Felix reads (felix-2.0-config.md §3.3): global, and its own per-host one
      // (every host's when FelixHostname resolves to "").
      const tree = await ds.readConfig(options.readAllHosts ? undefined : {host: options.noLocal ? kernelHostname : localOnly.host})
      datastoreRead = {kind: ds.kind, endpoints: [...ds.endpoints], ready: tree.ready, tree}
      datastoreInput = {state: 'loaded', kvs: tree.kvs}
      const rw = ds.kind === 'snapshot' ? null : readyWarning(tree.ready)
      if (rw) warnings.push(`warning: ${rw}`)
      if (ds.kind === 'etcdv3') warnings.push(V3_NOTE)
    } catch (error) {
      if (!(error instanceof DatastoreError) || !options.allowPartial) throw error
      datastoreRead = {kind: 'none', endpoints: error.endpoint ? [error.endpoint] : [], ready: null, unavailable: error.message}
      datastoreInput = {state: 'unavailable', reason: error.message}
      warnings.push(`warning: ${error.message}; showing the env and file layers only (partial result)`)
    } finally {
      await ds?.close()
    }
  }
  const resolution = stoppedEarly ? localOnly : resolveWith(datastoreInput)
  // The env reader's own notes (a variable given twice in different case) come first, in order.
  resolution.diagnostics.unshift(...local.envDiagnostics.map((d): Diagnostic => ({severity: d.severity, code: d.code, param: null, layer: 'env', origin: d.origin ?? null, message: d.message, hint: null})))
  if (datastoreRead.unavailable) {
    resolution.diagnostics.push(partialDiagnostic(datastoreRead.unavailable))
  }
  return {registry, kernelHostname, process: options.felixProcess ?? null, local, datastoreRead, resolution, hostSelection: hostSelectionOf(resolution, kernelHostname, options), warnings}
}

/** Where a local setting came from, for messages: `/etc/calico/felix.cfg:3` or `env FELIX_FELIXHOSTNAME`. */
export function localOriginText(o: Origin): string {
  if (o.type === 'file') return `${o.path}:${o.line}`
  return o.path ? `${o.name} in ${o.path}:${o.line}` : `env ${o.name}`
}

function hostSelectionOf(r: Resolution, kernelHostname: string, options: ConfigContextOptions): HostSelection {
  const fh = r.params.find((p) => p.name === 'FelixHostname')
  const setBy = fh && (fh.source === 'env' || fh.source === 'file') ? fh.origin : null
  const directory = r.host
  const named = options.host !== undefined ? `--host ${kernelHostname}` : `this machine's hostname ${kernelHostname}`
  let note: string | null = null
  if (directory !== kernelHostname) {
    const why = setBy ? `FelixHostname = ${JSON.stringify(directory)} is set by ${localOriginText(setBy)}` : `FelixHostname resolves to ${JSON.stringify(directory)}`
    note =
      directory === ''
        ? `${why}: Felix reads every host directory (not ${named})`
        : `evaluated host directory ${directory}, not ${named}: ${why} on this machine${options.host !== undefined ? ` (--no-local evaluates ${kernelHostname} from etcd alone)` : ''}`
  }
  return {kernelHostname, fromFlag: options.host !== undefined, directory, setBy, localLayers: options.noLocal ? 'ignored' : 'applied', note}
}

function partialDiagnostic(reason: string): Diagnostic {
  return {severity: 'warning', code: 'datastore-unavailable', param: null, layer: null, origin: null, message: `partial result: the etcd layers were not read (${reason})`, hint: 'values set in etcd are not shown: check that etcd is reachable (felixctl datastore status)'}
}
