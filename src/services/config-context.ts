/**
 * Builds the resolver's input the way Felix would see it on the host being evaluated:
 * the env and file layers from local sources, then the datastore Felix would connect to
 * (or the one the operator named), then one resolve. Shared by every `config` command.
 */
import {readRegularFile} from '../lib/read-file.js'
import {hostname as osHostname} from 'node:os'
import {LocalIoError, UsageError} from '../errors.js'
import {envEntries, parseEnvFile, processEnvVars} from '../layers/env.js'
import {hostDirProblem} from '../layers/etcd.js'
import {parseFelixCfg} from '../layers/felix-cfg.js'
import {LayerDiagnostic, Origin, RawEntry} from '../layers/types.js'
import {getRegistry} from '../params/index.js'
import {realFileProbe} from '../params/kinds.js'
import {FileProbe, Registry} from '../params/types.js'
import {DatastoreLayerInput, FileLayerInput, resolveFelixConfig} from '../resolve/resolve.js'
import {Diagnostic, Resolution} from '../resolve/types.js'
import type {ConfigTree} from '../datastore/types.js'
import {withFelixProcess, type FelixProcessInput} from './felix-process.js'
import {openFelixDatastore, type DatastoreOptions, type DatastoreRead, type FelixDatastore} from './felix-datastore.js'

export type {DatastoreOptions, DatastoreRead} from './felix-datastore.js'

export const DEFAULT_CONFIG_FILE = '/etc/calico/felix.cfg'
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

/** Which host directory was evaluated, and why (contracts: Hosts). */
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

export interface ConfigContext {
  registry: Registry
  kernelHostname: string
  /** The Felix process whose inputs these are (--pid/--running), or null. */
  process: FelixProcessInput | null
  local: LocalLayers
  datastoreRead: DatastoreRead
  /** The rest of what opening the datastore gave (openFelixDatastore): where it was told to read, the Ready findings, the time. */
  datastore: Pick<FelixDatastore, 'target' | 'readyProblem' | 'felixWaits' | 'elapsedMs' | 'connection'>
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
        // docs/reference/felix-2.0-config.md §3.2: a missing default file is no file; a file named explicitly (-c or FELIXCTL_CONFIG_FILE)
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
  return out.length ? ` ${out.join(' ')}` : ''
}

function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`
}

export function kernelHostnameFrom(host: string | undefined): string {
  const h = host ?? osHostname()
  if (host !== undefined) {
    const problem = hostDirProblem(h)
    if (problem) throw new UsageError(`--host ${JSON.stringify(h)} is not a valid host name: ${problem}`, {hint: 'give the node name as Felix reports it, for example --host node1'})
  }
  return h
}

/** Resolve again with some layers replaced (what a `set` would leave behind). */
export function resolveWith(ctx: ConfigContext, changes: {env?: RawEntry[]; file?: FileLayerInput; kvs?: ConfigTree['kvs']}, probe: FileProbe = realFileProbe()): Resolution {
  const kvs = changes.kvs ?? ctx.datastoreRead.tree?.kvs
  const datastore: DatastoreLayerInput =
    ctx.datastoreRead.kind === 'kubernetes' ? {state: 'kubernetes'} : kvs ? {state: 'loaded', kvs} : {state: 'unavailable', reason: ctx.datastoreRead.unavailable ?? 'not read'}
  return resolveFelixConfig({registry: ctx.registry, kernelHostname: ctx.kernelHostname, env: changes.env ?? ctx.local.env, file: changes.file ?? ctx.local.file, datastore, probe})
}

/** The local view: env and file read, and resolved alone — what Felix connects with (§5.4). */
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
  const stoppedEarly = !options.noLocal && localOnly.fatal && ['file-load', 'env', 'file'].includes(localOnly.fatal.stage)
  const opened = await openFelixDatastore({
    localOnly,
    options,
    // Only the directories this host's Felix reads (§3.3): global, and its own per-host one
    // (every host's when FelixHostname resolves to "").
    scope: options.readAllHosts ? undefined : {host: options.noLocal ? kernelHostname : localOnly.host, listHostDirs: options.listHostDirs},
    stopsBeforeConnecting: stoppedEarly ? `Felix stops at the ${localOnly.fatal!.stage} stage before connecting` : null,
    onError: options.allowPartial ? 'partial' : 'throw',
    view: 'config',
  })
  const datastoreRead = opened.read
  warnings.push(...opened.warnings)
  const datastoreInput: DatastoreLayerInput =
    datastoreRead.kind === 'kubernetes'
      ? {state: 'kubernetes'}
      : datastoreRead.tree
        ? {state: 'loaded', kvs: datastoreRead.tree.kvs}
        : {state: 'unavailable', reason: datastoreRead.unavailable ?? `Felix stops at the ${localOnly.fatal?.stage} stage before connecting`}
  const resolution = stoppedEarly ? localOnly : resolveWith(datastoreInput)
  // The env reader's own notes (a variable given twice in different case) come first, in order.
  resolution.diagnostics.unshift(...local.envDiagnostics.map((d): Diagnostic => ({severity: d.severity, code: d.code, param: null, layer: 'env', origin: d.origin ?? null, message: d.message, hint: null})))
  if (datastoreRead.unavailable) {
    resolution.diagnostics.push(partialDiagnostic(datastoreRead.unavailable))
  }
  const datastore = {target: opened.target, readyProblem: opened.readyProblem, felixWaits: opened.felixWaits, elapsedMs: opened.elapsedMs, connection: opened.connection}
  return {registry, kernelHostname, process: options.felixProcess ?? null, local, datastoreRead, datastore, resolution, hostSelection: hostSelectionOf(resolution, kernelHostname, options), warnings}
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
