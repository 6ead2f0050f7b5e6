/**
 * The Felix that runs here (issue 19): `--pid PID` and `--running` make every local input the
 * process's own — its environment (/proc/PID/environ), the config file its command line names
 * (read through /proc/PID/root, so a file inside a container is read where the container sees
 * it), the kernel hostname of its UTS namespace, and the version of its binary. Everything is
 * read here, once, before the sync readers in config-context.ts run on the result.
 */
import {lstatSync, readFileSync, readdirSync, readlinkSync} from 'node:fs'
import {hostname as osHostname} from 'node:os'
import {posix} from 'node:path'
import {FelixctlError, LocalIoError, NotFoundError, UsageError, localIoErrorFrom} from '../errors.js'
import {EnvVar, parseProcEnviron} from '../layers/env.js'
import {readRegularFile} from '../lib/read-file.js'
import {DEFAULT_FELIX_VERSION, SUPPORTED_FELIX_VERSIONS, getRegistry} from '../params/index.js'
import type {LocalSourceOptions} from './config-context.js'

export const FELIX_EXECUTABLE = 'calico-felix'
/** Felix 2.0's docopt default for -c/--config-file. */
const DEFAULT_CONFIG_FILE = '/etc/calico/felix.cfg'
/** Bound on `/proc/PID/exe --version` and on nsenter: a Go binary answers in milliseconds. */
export const PROCESS_PROBE_TIMEOUT_MS = 5000
const MAX_READ_BYTES = 64 * 1024 * 1024

/** What `--pid`/`--running` found (JSON `process`; env is carried into the env layer, not printed). */
export interface FelixProcess {
  pid: number
  foundBy: 'pid' | 'running'
  /** Target of /proc/PID/exe (null for a kernel thread). */
  exe: string | null
  comm: string
  cmdline: string[]
  configFile: {
    /** The path the process uses (in its own mount namespace). */
    path: string
    /** Where felixctl read it: through /proc/PID/root (or /proc/PID/cwd for a relative path). */
    readPath: string
    fromCommandLine: boolean
    exists: boolean
  }
  hostname: string
  /** How the hostname was read: felixctl's own (same UTS namespace) or by entering the process's. */
  hostnameFrom: 'same-uts-namespace' | 'nsenter'
  /** The version the binary reports (`exe --version`), or null. */
  version: string | null
  /** Set when the running version is not the one whose rules apply, or is unknown. */
  versionNote: string | null
}

/** The process data the readers need, besides what is printed. */
export interface FelixProcessInput extends FelixProcess {
  env: EnvVar[]
  configContent: Buffer | null
}

export interface ProcessSummary {
  pid: number
  comm: string
  exe: string | null
  cmdline: string[]
}

/**
 * -c/--config-file from Felix 2.0's command line, as docopt reads `calico-felix [-c <config>]`:
 * `-c F`, `-cF`, `--config-file F`, `--config-file=F`, and any unambiguous prefix of the long
 * name (`--config F`); `--` ends the options. The last one given wins. Undefined: the default.
 */
export function configFileFromArgs(argv: readonly string[]): string | undefined {
  let found: string | undefined
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') break
    if (a.startsWith('--')) {
      const eq = a.indexOf('=')
      const name = a.slice(2, eq === -1 ? undefined : eq)
      // `--c`... is a prefix of config-file only (the other long option is --version).
      if (name.length === 0 || !'config-file'.startsWith(name)) continue
      if (eq !== -1) found = a.slice(eq + 1)
      else if (i + 1 < argv.length) found = argv[++i]
    } else if (a.startsWith('-c')) {
      if (a.length > 2) found = a.slice(2)
      else if (i + 1 < argv.length) found = argv[++i]
    }
  }
  return found
}

/**
 * The host path of `path` as a process whose root is `root` sees it. Symbolic links are
 * followed here, component by component, because the kernel resolves an absolute link met
 * under /proc/PID/root against felixctl's root, not the process's.
 */
export function pathInRoot(root: string, path: string): string {
  const todo = path.split('/').filter(Boolean)
  const done: string[] = []
  let links = 0
  while (todo.length > 0) {
    const c = todo.shift()!
    if (c === '.') continue
    if (c === '..') {
      done.pop()
      continue
    }
    const here = `${root}/${[...done, c].join('/')}`
    let target: string | null = null
    try {
      if (lstatSync(here).isSymbolicLink()) target = readlinkSync(here)
    } catch {
      // Missing or not permitted: the read that follows names the path and the reason.
    }
    if (target === null) {
      done.push(c)
      continue
    }
    if (++links > 40) throw localIoErrorFrom(Object.assign(new Error('loop'), {code: 'ELOOP'}), `${root}${path}`)
    if (target.startsWith('/')) done.length = 0
    todo.unshift(...target.split('/').filter(Boolean))
  }
  return `${root}/${done.join('/')}`
}

function splitCmdline(buf: Buffer): string[] {
  const parts = buf.toString('utf8').split('\0')
  if (parts.at(-1) === '') parts.pop()
  return parts
}

function exeName(exe: string | null): string | null {
  return exe === null ? null : posix.basename(exe.replace(/ \(deleted\)$/, ''))
}

/** A process is Felix when its executable, its comm or its argv[0] is named calico-felix. */
function looksLikeFelix(p: ProcessSummary): boolean {
  return exeName(p.exe) === FELIX_EXECUTABLE || p.comm === FELIX_EXECUTABLE || posix.basename(p.cmdline[0] ?? '') === FELIX_EXECUTABLE
}

/** Every calico-felix process under procRoot (felixctl's own `exe --version` probes excluded). */
export function findFelixProcesses(procRoot = '/proc'): ProcessSummary[] {
  const found: ProcessSummary[] = []
  for (const name of readdirSync(procRoot)) {
    if (!/^[1-9]\d*$/.test(name)) continue
    const dir = `${procRoot}/${name}`
    try {
      const cmdline = splitCmdline(readFileSync(`${dir}/cmdline`))
      if (cmdline.length === 0) continue // a kernel thread or a zombie
      const comm = readFileSync(`${dir}/comm`, 'utf8').replace(/\n$/, '')
      let exe: string | null = null
      try {
        exe = readlinkSync(`${dir}/exe`)
      } catch {
        // Another user's process without root: comm and cmdline still name it.
      }
      const p = {pid: Number(name), comm, exe, cmdline}
      if (looksLikeFelix(p) && !(cmdline.length === 2 && cmdline[1] === '--version')) found.push(p)
    } catch {
      // It exited while the directory was listed.
    }
  }
  return found.sort((a, b) => a.pid - b.pid)
}

/** The one Felix process of `--running`: none is exit 4, several exit 2. */
export function pickRunningFelix(procRoot = '/proc'): number {
  const found = findFelixProcesses(procRoot)
  if (found.length === 0) {
    throw new NotFoundError(`no running ${FELIX_EXECUTABLE} process found under ${procRoot}`, {
      code: 'felix-not-running',
      hint: 'is Felix running on this host? felixctl must see its processes: run it on the host (or in the calico/node container) where Felix runs, or give --pid PID',
    })
  }
  if (found.length > 1) {
    const list = found.map((p) => `${p.pid} (${p.cmdline.join(' ')})`).join('; ')
    throw new UsageError(`--running found ${found.length} ${FELIX_EXECUTABLE} processes: ${list}`, {hint: 'choose one with --pid PID', code: 'felix-several-running'})
  }
  return found[0].pid
}

/** True when PID no longer runs (its /proc directory is gone, or it is a zombie). */
function processGone(dir: string): boolean {
  try {
    const stat = readFileSync(`${dir}/stat`, 'latin1')
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    return state === 'Z' || state === 'X'
  } catch (error) {
    return ['ENOENT', 'ESRCH'].includes((error as NodeJS.ErrnoException).code ?? '')
  }
}

function noSuchProcess(pid: number, during: boolean): NotFoundError {
  return new NotFoundError(`no such process: PID ${pid}${during ? ' exited while felixctl read it' : ''}`, {
    code: 'no-such-process',
    hint: `give the PID of the running ${FELIX_EXECUTABLE}, e.g. --pid $(pidof ${FELIX_EXECUTABLE}), or use --running`,
  })
}

function readProcFile(path: string, what: string): Buffer {
  return readRegularFile(path, what, MAX_READ_BYTES)
}

async function execBounded(file: string, args: string[]): Promise<{stdout: string; stderr: string}> {
  const {execFile} = await import('node:child_process')
  return new Promise((resolve, reject) => {
    execFile(file, args, {timeout: PROCESS_PROBE_TIMEOUT_MS, killSignal: 'SIGKILL', cwd: '/', env: {PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'}, maxBuffer: 65536, encoding: 'utf8'}, (error, stdout, stderr) =>
      error ? reject(Object.assign(error, {stdout, stderr})) : resolve({stdout, stderr}),
    )
  })
}

/**
 * The kernel hostname of PID's UTS namespace. /proc/PID/root/proc/sys/kernel/hostname is no
 * use: /proc/sys/kernel/hostname answers for the *reader's* UTS namespace. So: felixctl's own
 * hostname when the namespace is the same, else `nsenter --uts` (root) running `uname -n`.
 */
async function utsHostname(dir: string, pid: number): Promise<{hostname: string; from: FelixProcess['hostnameFrom']}> {
  const nsPath = `${dir}/ns/uts`
  let theirs: string
  try {
    theirs = readlinkSync(nsPath)
  } catch (error) {
    throw localIoErrorFrom(error, nsPath)
  }
  if (theirs === readlinkSync('/proc/self/ns/uts')) return {hostname: osHostname(), from: 'same-uts-namespace'}
  try {
    const {stdout} = await execBounded('nsenter', [`--target=${pid}`, '--uts', '--', 'uname', '-n'])
    return {hostname: stdout.replace(/\n$/, ''), from: 'nsenter'}
  } catch (error) {
    const e = error as NodeJS.ErrnoException & {stderr?: string; killed?: boolean}
    const why = e.code === 'ENOENT' ? 'nsenter (util-linux) is not installed' : e.killed ? `nsenter did not answer within ${PROCESS_PROBE_TIMEOUT_MS / 1000}s` : (e.stderr ?? '').trim() || e.message
    throw new LocalIoError(`cannot read the hostname of PID ${pid}'s UTS namespace (${nsPath}): ${why}`, {path: nsPath, code: 'process-uts', hint: 'entering another UTS namespace needs root (CAP_SYS_ADMIN) and nsenter from util-linux; or give --host NODE'})
  }
}

/** What `exe --version` says: Felix 2.0 prints its git version (`2.0.4`, `v2.0.4`, with or without a label). */
export function versionFromOutput(out: string): string | null {
  const m = /\bv?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/.exec(out)
  return m ? m[1] : null
}

/** The note for a running version whose rules are not the ones applied (null when they are). */
export function versionNote(running: string | null, rulesVersion: string, why?: string): string | null {
  if (running === null) return `the running binary's version is unknown${why ? ` (${why})` : ''}; the rules shown are Felix ${rulesVersion}'s`
  const [major, minor, patch] = running.split(/[.-]/).map(Number)
  const release = `${major}.${minor}.${patch}`
  if (release === rulesVersion) return null
  if ((SUPPORTED_FELIX_VERSIONS as readonly string[]).includes(release)) {
    const registry = getRegistry(rulesVersion)
    const later = registry.params.filter((p) => p.since !== undefined && p.since > release).map((p) => p.name)
    const diff = later.length ? `: ${later.join(' and ')} ${later.length > 1 ? 'are unknown names' : 'is an unknown name'} in ${release}` : ''
    return `Felix ${running} is running; the rules shown are Felix ${rulesVersion}'s${diff} (use --felix-version ${release})`
  }
  const base = `Felix ${running} is not Felix 2.0.x; the rules shown are Felix ${DEFAULT_FELIX_VERSION}'s`
  if (major < 2) return `${base}: Felix before 2.0 is the Python Felix, which parses values by other rules`
  if (major === 2 && minor === 0) return `${base}: felixctl knows 2.0.0 to 2.0.4`
  if (major === 2) return `${base}: later 2.x releases added parameters that felixctl reports as unknown names`
  return `${base}: Felix ${major}.x reads its configuration from Calico v3 resources (FelixConfiguration), not from /calico/v1 keys in etcd v2`
}

async function binaryVersion(dir: string, p: ProcessSummary, rulesVersion: string): Promise<{version: string | null; note: string | null}> {
  // Only a calico-felix binary is asked: another program given --version might not just print it.
  if (!looksLikeFelix(p)) return {version: null, note: versionNote(null, rulesVersion, `PID ${p.pid} is not ${FELIX_EXECUTABLE}; its binary was not asked`)}
  try {
    const {stdout, stderr} = await execBounded(`${dir}/exe`, ['--version'])
    const version = versionFromOutput(stdout) ?? versionFromOutput(stderr)
    return {version, note: versionNote(version, rulesVersion, version ? undefined : '--version printed no version')}
  } catch (error) {
    const e = error as NodeJS.ErrnoException & {killed?: boolean}
    const why = e.killed ? `it did not answer --version within ${PROCESS_PROBE_TIMEOUT_MS / 1000}s` : `--version failed: ${e.code ?? e.message.split('\n')[0]}`
    return {version: null, note: versionNote(null, rulesVersion, why)}
  }
}

/** Read everything felixctl needs from PID (exit 4 when it is gone, 6 when not permitted). */
export async function inspectFelixProcess(pid: number, options: {foundBy?: FelixProcess['foundBy']; felixVersion?: string} = {}): Promise<FelixProcessInput> {
  const dir = `/proc/${pid}`
  if (processGone(dir)) throw noSuchProcess(pid, false)
  try {
    const cmdline = splitCmdline(readProcFile(`${dir}/cmdline`, 'process command line'))
    const comm = readProcFile(`${dir}/comm`, 'process name').toString('utf8').replace(/\n$/, '')
    const env = parseProcEnviron(readProcFile(`${dir}/environ`, 'process environment'), pid)
    let exe: string | null = null
    try {
      exe = readlinkSync(`${dir}/exe`)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw localIoErrorFrom(error, `${dir}/exe`)
    }
    const arg = configFileFromArgs(cmdline)
    const path = arg ?? DEFAULT_CONFIG_FILE
    // A relative path is relative to Felix's working directory, which /proc/PID/cwd is.
    const readPath = path.startsWith('/') ? pathInRoot(`${dir}/root`, path) : `${dir}/cwd/${path}`
    let configContent: Buffer | null = null
    try {
      configContent = readProcFile(readPath, `config file of PID ${pid}`)
    } catch (error) {
      if (!(error instanceof LocalIoError && error.code === 'file-enoent')) throw error
    }
    const {hostname, from} = await utsHostname(dir, pid)
    const rulesVersion = options.felixVersion ?? DEFAULT_FELIX_VERSION
    const {version, note} = await binaryVersion(dir, {pid, comm, exe, cmdline}, rulesVersion)
    // Reads of an exited process's files can succeed with nothing in them: check again at the end.
    if (processGone(dir)) throw noSuchProcess(pid, true)
    return {
      pid,
      foundBy: options.foundBy ?? 'pid',
      exe,
      comm,
      cmdline,
      configFile: {path, readPath, fromCommandLine: arg !== undefined, exists: configContent !== null},
      hostname,
      hostnameFrom: from,
      version,
      versionNote: note,
      env,
      configContent,
    }
  } catch (error) {
    if (error instanceof NotFoundError) throw error
    if (processGone(dir)) throw noSuchProcess(pid, true)
    if (error instanceof FelixctlError) throw error
    throw localIoErrorFrom(error, dir)
  }
}

/**
 * `--pid`/`--running` turned into the process's inputs, once per command (a no-op when there is
 * neither, or when they were read already). -c and --env-file name inputs the process decides.
 */
export async function withFelixProcess<T extends LocalSourceOptions & {felixVersion?: string}>(options: T): Promise<T> {
  if (options.felixProcess || (options.pid === undefined && !options.running)) return options
  const flag = options.running ? '--running' : '--pid'
  if (options.pid !== undefined && options.running) throw new UsageError('--pid and --running both name the Felix process; give one', {hint: 'use --pid PID for one process, --running to find it'})
  for (const [given, other] of [
    [options.configFile, '-c/--config-file'],
    [options.envFile, '--env-file'],
  ] as const) {
    if (given !== undefined) throw new UsageError(`${other} and ${flag} both name a local input; give one`, {hint: `${flag} reads the environment and config file of the running Felix; drop ${other} (and FELIXCTL_CONFIG_FILE) to use them`})
  }
  const pid = options.pid ?? pickRunningFelix()
  const felixProcess = await inspectFelixProcess(pid, {foundBy: options.running ? 'running' : 'pid', felixVersion: options.felixVersion})
  return {...options, pid, felixProcess}
}

/** The printable part (JSON `process`). */
export function felixProcessJson(p: FelixProcessInput | FelixProcess): FelixProcess {
  return {pid: p.pid, foundBy: p.foundBy, exe: p.exe, comm: p.comm, cmdline: p.cmdline, configFile: p.configFile, hostname: p.hostname, hostnameFrom: p.hostnameFrom, version: p.version, versionNote: p.versionNote}
}
