/**
 * `sysctl check` and `sysctl apply` for the conntrack table (issue 6, docs/reference/host-sysctl.md).
 *
 * Everything is read through a SysctlTree rooted at `/` or at `--root DIR`; paths in
 * results are paths inside that tree ("/etc/sysctl.conf"), errors name the real file.
 * The tree can carry an overlay of planned file contents and a planned live value, so
 * `apply` evaluates its own plan with the same code as `check` before writing
 * anything (and --dry-run shows the "after" column without writing).
 */
import {accessSync, closeSync, constants, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, realpathSync, renameSync, statSync, symlinkSync, unlinkSync, writeSync} from 'node:fs'
import {posix, resolve as resolvePath} from 'node:path'
import {CheckFailedError, LocalIoError, UsageError, WriteRefusedError, localIoErrorFrom} from '../errors.js'
import {readForEdit, writeAtomic, type FileSnapshot} from '../lib/atomic-write.js'
import {
  normalizeSysctlKey,
  parseKernelInt,
  parseModuleList,
  parseSysctlConf,
  setSysctlValue,
  sysctlKeyMatches,
} from '../formats/sysctl-conf.js'
import {fileDiff, unifiedDiff} from '../lib/diff.js'
import {readRegularFile} from '../lib/read-file.js'

export const CONNTRACK_MAX_KEY = 'net.netfilter.nf_conntrack_max'
const KEY_PATH = 'net/netfilter/nf_conntrack_max'
/** The old alias in the initial network namespace: the same kernel variable. */
const ALIAS_PATH = 'net/nf_conntrack_max'
export const RECOMMENDED_CONNTRACK_MAX = 1_000_000
/** nf_conntrack_max is an int written through proc_dointvec(_minmax). */
export const KERNEL_INT_MAX = 2_147_483_647
export const DEFAULT_DROP_IN = '/etc/sysctl.d/99-zz-felixctl-conntrack.conf'
export const MODULES_LOAD_ENTRY = '/etc/modules-load.d/felixctl-conntrack.conf'
const SYSCTL_CONF = '/etc/sysctl.conf'
const PROC_DIR = '/proc/sys/net/netfilter'
const USAGE_WARN_PERCENT = 80
const BYTES_PER_ENTRY = 300

/** host-sysctl.md §2.1: priority order; /lib only when it is not the same directory as /usr/lib. */
const CONF_DIR_BASES = ['/etc', '/run', '/usr/local/lib', '/usr/lib', '/lib']
/** Modules that are nf_conntrack or pull it in as a dependency when loaded at boot. */
const CONNTRACK_MODULES = new Set(['nf_conntrack', 'nf_conntrack_ipv4', 'nf_conntrack_ipv6', 'xt_conntrack', 'nf_nat'])

// ---------------------------------------------------------------------------------------------
// Result types (the JSON document of `sysctl check -o json` and `sysctl apply -o json`).

export interface SysctlProblem {
  severity: 'error' | 'warning' | 'info'
  code: string
  param: string
  layer: 'live' | 'persisted' | 'module' | 'apply'
  origin: {type: 'file'; path: string; line?: number} | {type: 'live'; path: string} | null
  message: string
  hint: string | null
}

export interface SysctlLive {
  max: number | null
  count: number | null
  buckets: number | null
  moduleLoaded: boolean
  /** The key can be written (false inside most containers' network namespaces); null when absent. */
  writable: boolean | null
}

export interface SysctlWinner {
  value: number | null
  /** The value as written in the file. */
  raw: string
  path: string
  /** Set when `path` is a symbolic link. */
  realPath?: string
  line: number
  key: string
}

export type SysctlDefinitionStatus = 'effective' | 'shadowed' | 'ignored' | 'hidden' | 'not-at-boot'

export interface SysctlDefinition {
  path: string
  /** Set when `path` is a symbolic link (Debian's 99-sysctl.conf -> ../sysctl.conf). */
  realPath?: string
  line: number
  key: string
  value: string | null
  glob: boolean
  exclude: boolean
  status: SysctlDefinitionStatus
  /** Why the status: the file:line that shadows it, the directory that hides the file, ... */
  note?: string
}

export interface SysctlCheckResult {
  root: string
  key: string
  live: SysctlLive
  recommended: number
  usagePercent: number | null
  /** Kernel memory at full use of the live maximum, in bytes (about 300 bytes per entry). */
  memoryAtFullBytes: number | null
  persisted: {
    boot: SysctlWinner | null
    sysctlSystem: SysctlWinner | null
    files: SysctlDefinition[]
    /** Files read at boot, in order (for `--cat-config`-like output). */
    bootOrder: string[]
  }
  moduleAtBoot: {configured: boolean; where: string[]}
  udevRule?: {path: string; line: number}
  problems: SysctlProblem[]
  exitCode: 0 | 3
}

export interface SysctlCheckOptions {
  /** The tree to inspect; default "/". */
  root?: string
  /** The recommended value to compare with; default 1000000. */
  recommended?: number | string
}

// ---------------------------------------------------------------------------------------------
// The tree: root-aware reads with an overlay of planned writes.

type ReadOutcome = {kind: 'file'; text: string; realPath: string} | {kind: 'masked'; realPath: string} | {kind: 'missing'} | {kind: 'dir'}

export class SysctlTree {
  readonly root: string
  readonly overlay = new Map<string, string>()
  liveOverride: number | null = null
  moduleOverride = false

  constructor(root = '/') {
    const abs = resolvePath(root)
    try {
      if (!statSync(abs).isDirectory()) throw Object.assign(new Error('ENOTDIR'), {code: 'ENOTDIR'})
      // Real path, so that "is this link inside the tree" compares like with like.
      this.root = realpathSync(abs)
    } catch (error) {
      throw localIoErrorFrom(error, abs, 'read')
    }
  }

  /** Host path of a path inside the tree. */
  abs(p: string): string {
    return this.root === '/' ? p : posix.join(this.root, p)
  }

  /** Read a file inside the tree, following symbolic links inside the tree (absolute targets are re-rooted). */
  read(p: string): ReadOutcome {
    let cur = posix.normalize(p)
    for (let hops = 0; hops < 40; hops++) {
      if (this.overlay.has(cur)) return {kind: 'file', text: this.overlay.get(cur)!, realPath: cur}
      if (cur === '/dev/null') return {kind: 'masked', realPath: cur}
      let st
      try {
        st = lstatSync(this.abs(cur))
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        // A dangling link still takes the name (it hides lower files), like a masked one.
        if (code === 'ENOENT' || code === 'ENOTDIR') return hops > 0 ? {kind: 'masked', realPath: cur} : {kind: 'missing'}
        throw localIoErrorFrom(error, this.abs(cur), 'read')
      }
      if (st.isSymbolicLink()) {
        const target = readlinkSync(this.abs(cur))
        cur = posix.normalize(target.startsWith('/') ? target : posix.join(posix.dirname(cur), target))
        continue
      }
      if (st.isDirectory()) return {kind: 'dir'}
      if (st.isCharacterDevice() || st.isBlockDevice()) return {kind: 'masked', realPath: cur}
      // The guarded reader: a FIFO or socket in a conf.d directory is exit 6, never a hang.
      return {kind: 'file', text: readRegularFile(this.abs(cur), 'sysctl file').toString('utf8'), realPath: cur}
    }
    throw new LocalIoError(`cannot read ${this.abs(p)}: too many levels of symbolic links`, {path: this.abs(p), hint: 'fix the symbolic link loop', code: 'file-eloop'})
  }

  /** Names in a directory of the tree (plus planned new files); [] when it does not exist. */
  list(dir: string): string[] {
    const names = new Set<string>()
    try {
      for (const n of readdirSync(this.abs(dir))) names.add(n)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw localIoErrorFrom(error, this.abs(dir), 'read')
    }
    for (const p of this.overlay.keys()) if (posix.dirname(p) === dir) names.add(posix.basename(p))
    return [...names]
  }

  /** Is `<root>/lib` the same directory as `<root>/usr/lib` (merged /usr)? */
  libIsUsrLib(): boolean {
    try {
      const st = lstatSync(this.abs('/lib'))
      if (!st.isSymbolicLink()) return false
      const target = posix.normalize(readlinkSync(this.abs('/lib')))
      return target === 'usr/lib' || target === '/usr/lib' || target === './usr/lib'
    } catch {
      return false
    }
  }

  confDirs(kind: string): string[] {
    return CONF_DIR_BASES.filter((b) => b !== '/lib' || !this.libIsUsrLib()).map((b) => `${b}/${kind}`)
  }
}

interface ConfFile {
  name: string
  path: string
  outcome: ReadOutcome
  hiddenBy?: string
}

/**
 * The files of a systemd conf.d directory set: `*.conf` (not hidden dot-files), a
 * name in a higher-priority directory hides the same name lower down, the rest is
 * sorted by file name (byte order) regardless of directory.
 */
function collectConfFiles(tree: SysctlTree, dirs: string[], suffix: string): {active: ConfFile[]; hidden: ConfFile[]} {
  const byName = new Map<string, ConfFile>()
  const hidden: ConfFile[] = []
  for (const dir of dirs) {
    for (const name of tree.list(dir)) {
      if (!name.endsWith(suffix) || name.length <= suffix.length || name.startsWith('.')) continue
      const path = `${dir}/${name}`
      const outcome = tree.read(path)
      if (outcome.kind === 'dir' || outcome.kind === 'missing') continue
      const winner = byName.get(name)
      if (winner) hidden.push({name, path, outcome, hiddenBy: winner.path})
      else byName.set(name, {name, path, outcome})
    }
  }
  const active = [...byName.values()].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
  return {active, hidden}
}

function matchesKey(key: string | undefined | null): boolean {
  if (!key) return false
  return sysctlKeyMatches(key, KEY_PATH) || sysctlKeyMatches(key, ALIAS_PATH)
}

// ---------------------------------------------------------------------------------------------
// check

/** The contract's member order: severity, code, param, layer, origin, message, hint. */
function withParam(p: Omit<SysctlProblem, 'param'>, root = '/'): SysctlProblem {
  // A hint is a command to copy: on a --root tree it must name the same tree, never the host.
  const hint = p.hint && root !== '/' ? p.hint.replace(/felixctl sysctl (apply|check)/g, `felixctl sysctl $1 --root ${root}`) : p.hint
  return {severity: p.severity, code: p.code, param: CONNTRACK_MAX_KEY, layer: p.layer, origin: p.origin, message: p.message, hint}
}

export function validateConntrackMax(input: number | string | undefined, what = '--value'): number {
  if (input === undefined) return RECOMMENDED_CONNTRACK_MAX
  const s = String(input).trim()
  if (!/^[0-9]+$/.test(s) || !/[1-9]/.test(s) || s.length > 10 || Number(s) > KERNEL_INT_MAX) {
    throw new CheckFailedError(`${what} ${JSON.stringify(String(input))} is not valid for ${CONNTRACK_MAX_KEY}: it must be a decimal integer from 1 to ${KERNEL_INT_MAX}`, {
      param: CONNTRACK_MAX_KEY,
      code: 'invalid-value',
      hint: `the kernel stores ${CONNTRACK_MAX_KEY} in a signed int; the seed page recommends ${RECOMMENDED_CONNTRACK_MAX}`,
    })
  }
  return Number(s)
}

export function checkSysctl(options: SysctlCheckOptions = {}): SysctlCheckResult {
  const recommended = validateConntrackMax(options.recommended, '--value')
  return checkTree(new SysctlTree(options.root ?? '/'), recommended)
}

function readLiveValue(tree: SysctlTree, name: string): {value: number | null; exists: boolean; writable: boolean | null} {
  const path = tree.abs(`${PROC_DIR}/${name}`)
  let text: string
  try {
    text = readRegularFile(path, 'sysctl value').toString('utf8')
  } catch (error) {
    const code = (error as LocalIoError).code
    if (code === 'file-enoent' || code === 'file-enotdir') return {value: null, exists: false, writable: null}
    throw error
  }
  let writable: boolean | null = null
  try {
    accessSync(path, constants.W_OK)
    // Root passes access() on a 0444 proc file; the mode is what the kernel enforces there.
    writable = (statSync(path).mode & 0o222) !== 0
  } catch {
    writable = false
  }
  return {value: parseKernelInt(text), exists: true, writable}
}

function checkTree(tree: SysctlTree, recommended: number): SysctlCheckResult {
  const problems: SysctlProblem[] = []
  const problem = (p: Omit<SysctlProblem, 'param'>) => problems.push(withParam(p, tree.root))

  // Live values.
  const max = readLiveValue(tree, 'nf_conntrack_max')
  const count = readLiveValue(tree, 'nf_conntrack_count')
  const buckets = readLiveValue(tree, 'nf_conntrack_buckets')
  const live: SysctlLive = {
    max: tree.liveOverride ?? max.value,
    count: count.value,
    buckets: buckets.value,
    moduleLoaded: max.exists || tree.moduleOverride,
    writable: max.writable,
  }
  const livePath = `${PROC_DIR}/nf_conntrack_max`
  if (!live.moduleLoaded) {
    problem({
      severity: 'warning',
      code: 'module-not-loaded',
      layer: 'live',
      origin: {type: 'live', path: livePath},
      message: `the nf_conntrack module is not loaded (${livePath} does not exist): there is no live value to check`,
      hint: 'it loads on demand when iptables needs it, with the kernel default; `felixctl sysctl apply --load-module` loads it now and at boot',
    })
  } else if (live.max === null) {
    problem({severity: 'error', code: 'live-unreadable', layer: 'live', origin: {type: 'live', path: livePath}, message: `${livePath} does not hold an integer`, hint: null})
  } else if (live.max < recommended) {
    problem({
      severity: 'error',
      code: 'live-below-recommended',
      layer: 'live',
      origin: {type: 'live', path: livePath},
      message: `live ${CONNTRACK_MAX_KEY} is ${live.max}, below the recommended ${recommended}`,
      hint: `felixctl sysctl apply --value ${recommended}`,
    })
  }
  if (live.moduleLoaded && live.writable === false && tree.liveOverride === null) {
    problem({
      severity: 'info',
      code: 'live-read-only',
      layer: 'live',
      origin: {type: 'live', path: livePath},
      message: `${livePath} is read-only here (a container's network namespace, or a read-only /proc/sys)`,
      hint: 'set the value on the host, in the initial network namespace',
    })
  }
  const usagePercent = live.count !== null && live.max !== null && live.max > 0 ? Math.round((live.count / live.max) * 1000) / 10 : null
  if (usagePercent !== null && usagePercent > USAGE_WARN_PERCENT) {
    problem({
      severity: 'warning',
      code: 'conntrack-usage-high',
      layer: 'live',
      origin: {type: 'live', path: `${PROC_DIR}/nf_conntrack_count`},
      message: `the conntrack table is ${usagePercent} % full (${live.count} of ${live.max} entries); when it is full the kernel drops packets ("nf_conntrack: table full, dropping packet")`,
      hint: `raise ${CONNTRACK_MAX_KEY}: felixctl sysctl apply --value ${Math.max(recommended, (live.max ?? 0) * 2)}`,
    })
  }

  // Persisted values.
  const persisted = evaluatePersisted(tree)
  const {boot, sysctlSystem} = persisted
  if (boot === null) {
    problem({
      severity: 'error',
      code: 'not-persisted',
      layer: 'persisted',
      origin: null,
      message: `${CONNTRACK_MAX_KEY} is not set in any file read at boot: after a reboot the kernel default applies`,
      hint: `felixctl sysctl apply --value ${recommended} (writes ${DEFAULT_DROP_IN})`,
    })
  } else if (boot.value === null) {
    problem({
      severity: 'error',
      code: 'persisted-invalid',
      layer: 'persisted',
      origin: {type: 'file', path: boot.path, line: boot.line},
      message: `the value that wins at boot, ${JSON.stringify(boot.raw)} at ${boot.path}:${boot.line}, is not an integer: the kernel rejects it and keeps its default`,
      hint: `felixctl sysctl apply --value ${recommended}`,
    })
  } else if (boot.value < recommended) {
    problem({
      severity: 'error',
      code: 'persisted-below-recommended',
      layer: 'persisted',
      origin: {type: 'file', path: boot.path, line: boot.line},
      message: `the value set at boot is ${boot.value} (${boot.path}:${boot.line}), below the recommended ${recommended}`,
      hint: `felixctl sysctl apply --value ${recommended}`,
    })
  }
  if ((boot?.value ?? null) !== (sysctlSystem?.value ?? null) || (boot === null) !== (sysctlSystem === null)) {
    const describe = (w: SysctlWinner | null) => (w ? `${w.value ?? JSON.stringify(w.raw)} (${w.path}:${w.line})` : 'nothing')
    problem({
      severity: 'warning',
      code: 'sysctl-system-disagrees',
      layer: 'persisted',
      origin: sysctlSystem ? {type: 'file', path: sysctlSystem.path, line: sysctlSystem.line} : null,
      message: `boot (systemd-sysctl) sets ${describe(boot)} but \`sysctl --system\` sets ${describe(sysctlSystem)}: procps reads /etc/sysctl.conf once more at the end`,
      hint: `make both agree: felixctl sysctl apply --value ${Math.max(recommended, boot?.value ?? 0)} fixes /etc/sysctl.conf too`,
    })
  }
  if (live.max !== null && boot?.value != null && live.max !== boot.value) {
    // Both may be fine, but after the next reboot the table size changes: say so.
    problem({
      severity: 'info',
      code: 'live-differs-from-boot',
      layer: 'live',
      origin: {type: 'file', path: boot.path, line: boot.line},
      message: `the live value ${live.max} differs from the value set at boot, ${boot.value} (${boot.path}:${boot.line}): the table size changes at the next reboot`,
      hint: `felixctl sysctl apply --value ${Math.max(live.max, boot.value)} makes them agree`,
    })
  }
  const files = persisted.files
  const perFile = new Map<string, number>()
  for (const d of files) if (!d.glob && !d.exclude && d.status !== 'hidden' && d.status !== 'not-at-boot') perFile.set(d.path, (perFile.get(d.path) ?? 0) + 1)
  for (const [path, n] of perFile) {
    if (n > 1) {
      problem({
        severity: 'info',
        code: 'duplicate-definitions',
        layer: 'persisted',
        origin: {type: 'file', path},
        message: `${path} sets ${CONNTRACK_MAX_KEY} ${n} times (the seed recipe's \`echo >>\` appends a line on every run); the last one counts`,
        hint: '`felixctl sysctl apply` keeps one line per file',
      })
    }
  }

  // Module at boot and the boot-order trap.
  const moduleAtBoot = evaluateModuleAtBoot(tree)
  const udevRule = findUdevRule(tree)
  if (!moduleAtBoot.configured && !udevRule) {
    // Issue 15: a persisted value is worth nothing when the key does not exist yet at boot.
    problem({
      severity: 'error',
      code: 'boot-order-trap',
      layer: 'module',
      origin: boot ? {type: 'file', path: boot.path, line: boot.line} : null,
      message:
        'nothing loads nf_conntrack at boot (no entry in /etc/modules-load.d, /run/modules-load.d, /usr/lib/modules-load.d or /etc/modules, no udev rule re-applying the key): systemd-sysctl runs before the module is loaded on demand and skips the key silently, so after a reboot the kernel default applies',
      hint: `felixctl sysctl apply writes ${MODULES_LOAD_ENTRY} (or add a udev rule running \`systemd-sysctl --prefix=/net/netfilter\` when the module is added)`,
    })
  }

  const hasError = problems.some((p) => p.severity === 'error')
  return {
    root: tree.root,
    key: CONNTRACK_MAX_KEY,
    live,
    recommended,
    usagePercent,
    memoryAtFullBytes: live.max === null ? null : live.max * BYTES_PER_ENTRY,
    persisted,
    moduleAtBoot,
    ...(udevRule ? {udevRule} : {}),
    problems,
    exitCode: hasError ? 3 : 0,
  }
}

interface RawDef {
  path: string
  realPath?: string
  line: number
  keyRaw: string
  key: string
  procpsKey: string | null
  value: string | null
  glob: boolean
  exclude: boolean
  /** Index in `files` of the output. */
  out: number
}

/**
 * Which definition wins, per reader. Both systemd 252 and procps 4.0.2 let an
 * explicit key beat any glob (wherever it is), and a `-key` line excludes the key
 * from globs; among explicit definitions, and among globs, the last one counts.
 * systemd keeps only the last assignment, even if the kernel rejects its value;
 * procps writes every line in turn, so a rejected last line leaves the one before.
 */
function pickWinner(defs: RawDef[], reader: 'systemd' | 'procps'): RawDef | null {
  const keyOf = (d: RawDef) => (reader === 'systemd' ? d.key : d.procpsKey)
  const assignments = defs.filter((d) => !d.exclude && d.value !== null && matchesKey(keyOf(d)))
  const explicit = assignments.filter((d) => !d.glob)
  const usable = (list: RawDef[]) => (reader === 'procps' ? list.filter((d) => parseKernelInt(d.value!) !== null) : list)
  const excludes = defs.filter((d) => d.exclude && !d.glob && matchesKey(keyOf(d)))
  if (reader === 'systemd') {
    // systemd keeps one entry per key: a later "-key" line replaces an assignment with "no value"
    // (verified with systemd 252), and any entry for the key keeps globs off it.
    const last = [...explicit, ...excludes].sort((a, b) => a.out - b.out).at(-1)
    if (last) return last.exclude ? null : last
  }
  if (explicit.length > 0) return usable(explicit).at(-1) ?? null
  const excluded = excludes.length > 0
  if (excluded) return null
  return usable(assignments.filter((d) => d.glob)).at(-1) ?? null
}

function toWinner(d: RawDef | null): SysctlWinner | null {
  if (!d) return null
  return {value: parseKernelInt(d.value!), raw: d.value!, path: d.path, ...(d.realPath ? {realPath: d.realPath} : {}), line: d.line, key: d.keyRaw}
}

function evaluatePersisted(tree: SysctlTree): SysctlCheckResult['persisted'] {
  return evaluateDefinitions(tree).persisted
}

/** Who wins where: the persisted summary, plus the raw winners (and the boot canceller) that `apply` plans against. */
interface Evaluation {
  persisted: SysctlCheckResult['persisted']
  boot: RawDef | null
  procps: RawDef | null
  /** A systemd `-key` line that leaves the key unset at boot. */
  cancelledBy: RawDef | null
}

function evaluateDefinitions(tree: SysctlTree): Evaluation {
  const {active, hidden} = collectConfFiles(tree, tree.confDirs('sysctl.d'), '.conf')
  const files: SysctlDefinition[] = []
  const bootDefs: RawDef[] = []
  const collect = (f: {path: string; outcome: ReadOutcome}, into: RawDef[] | null, status: SysctlDefinitionStatus, note?: string) => {
    if (f.outcome.kind !== 'file') return
    const realPath = f.outcome.realPath !== f.path ? f.outcome.realPath : undefined
    for (const l of parseSysctlConf(f.outcome.text).lines) {
      if (l.kind !== 'assignment' && l.kind !== 'exclude') continue
      if (!matchesKey(l.key) && !matchesKey(l.procpsKey)) continue
      const def: SysctlDefinition = {path: f.path, ...(realPath ? {realPath} : {}), line: l.line, key: l.keyRaw!, value: l.value ?? null, glob: Boolean(l.glob), exclude: l.kind === 'exclude', status, ...(note ? {note} : {})}
      files.push(def)
      into?.push({path: f.path, realPath, line: l.line, keyRaw: l.keyRaw!, key: l.key!, procpsKey: l.procpsKey ?? null, value: l.value ?? null, glob: Boolean(l.glob), exclude: l.kind === 'exclude', out: files.length - 1})
    }
  }
  // Hidden files are listed at the position of their name, after the file that hides them.
  for (const f of active) {
    collect(f, bootDefs, 'shadowed')
    for (const h of hidden.filter((x) => x.name === f.name)) collect(h, null, 'hidden', `hidden by ${h.hiddenBy}${f.outcome.kind === 'masked' ? ' (masked)' : ''}`)
  }
  const bootWinner = pickWinner(bootDefs, 'systemd')
  const cancelledBy = bootWinner ? undefined : bootDefs.filter((d) => !d.glob && matchesKey(d.key)).at(-1)
  for (const d of bootDefs) {
    const out = files[d.out]
    if (d === bootWinner) out.status = 'effective'
    else if (cancelledBy?.exclude && !d.glob && !d.exclude && matchesKey(d.key)) {
      out.note = `cancelled at boot by ${cancelledBy.path}:${cancelledBy.line} (systemd-sysctl reads "-key" without a value as "do not set")`
    } else if (d.exclude || (d.glob && bootWinner && !bootWinner.glob)) {
      out.status = 'ignored'
      out.note = d.exclude ? 'excludes the key from globs' : 'a glob; an explicit definition of the key takes precedence'
    } else if (d.glob && !bootWinner && d.value !== null && matchesKey(d.key)) {
      out.status = 'ignored'
      out.note = 'excluded from this glob by a "-key" line'
    } else if (!matchesKey(d.key)) {
      out.status = 'ignored'
      out.note = 'systemd-sysctl does not read this line as the key'
    } else if (bootWinner) out.note = `overridden by ${bootWinner.path}:${bootWinner.line}`
  }

  // procps `sysctl --system`: the same files, then /etc/sysctl.conf once more when it is a regular file.
  const procpsDefs = [...bootDefs]
  const conf = tree.read(SYSCTL_CONF)
  if (conf.kind === 'file') {
    const rereadDefs: RawDef[] = []
    collect({path: SYSCTL_CONF, outcome: conf}, rereadDefs, 'not-at-boot', 'read again at the end by `sysctl --system` (procps), not at boot')
    procpsDefs.push(...rereadDefs)
  }
  const bootOrder = active.map((f) => f.path)
  const procpsWinner = pickWinner(procpsDefs, 'procps')
  return {
    persisted: {boot: toWinner(bootWinner), sysctlSystem: toWinner(procpsWinner), files, bootOrder},
    boot: bootWinner,
    procps: procpsWinner,
    cancelledBy: cancelledBy?.exclude ? cancelledBy : null,
  }
}

function evaluateModuleAtBoot(tree: SysctlTree): SysctlCheckResult['moduleAtBoot'] {
  const where: string[] = []
  const {active} = collectConfFiles(tree, tree.confDirs('modules-load.d'), '.conf')
  for (const f of active) {
    if (f.outcome.kind !== 'file') continue
    for (const m of parseModuleList(f.outcome.text, 'modules-load.d')) if (CONNTRACK_MODULES.has(m.module)) where.push(`${f.path}:${m.line}`)
  }
  const etcModules = tree.read('/etc/modules')
  if (etcModules.kind === 'file') {
    for (const m of parseModuleList(etcModules.text, 'etc-modules')) if (CONNTRACK_MODULES.has(m.module)) where.push(`/etc/modules:${m.line}`)
  }
  return {configured: where.length > 0, where}
}

/** A udev rule that re-runs systemd-sysctl for net/netfilter when the module appears (sysctl.d(5)). */
function findUdevRule(tree: SysctlTree): {path: string; line: number} | undefined {
  const {active} = collectConfFiles(tree, tree.confDirs('udev/rules.d'), '.rules')
  for (const f of active) {
    if (f.outcome.kind !== 'file') continue
    const lines = f.outcome.text.split(/\r?\n/)
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i].trim()
      if (l.startsWith('#')) continue
      if (/systemd-sysctl/.test(l) && /nf_conntrack|net[./]netfilter/.test(l)) return {path: f.path, line: i + 1}
    }
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// apply

export interface SysctlApplyOptions {
  root?: string
  /** The value to set; default 1000000. */
  value?: number | string
  /** Persist in this file (a path inside the tree) instead of the felixctl drop-in. */
  persistTo?: string
  noPersist?: boolean
  dryRun?: boolean
  /** Lower a value that is already higher. */
  force?: boolean
  /**
   * true: modprobe nf_conntrack (on / only) and the modules-load.d entry; unset: the entry when nothing
   * loads the module at boot (and the value is persisted); false: neither (the value will not hold after a reboot).
   */
  loadModule?: boolean
  /** Asked once, after planning and before writing; false aborts with nothing written. */
  confirm?: (plan: SysctlApplyResult) => Promise<boolean>
  /** Runs `modprobe nf_conntrack`; replaceable in tests. */
  modprobe?: () => void | Promise<void>
}

/**
 * Why a file is written: `persist` the target (felixctl's drop-in or --persist-to), `agree` a file under /etc
 * edited in place because it would win with another value, `shadow` a file of the same name in /etc/sysctl.d
 * that hides a file under /run, /usr/local/lib, /usr/lib or /lib (never edited), `module-at-boot`.
 */
export type SysctlFilePurpose = 'persist' | 'agree' | 'shadow' | 'module-at-boot'

export type SysctlAction =
  | {kind: 'modprobe'; module: 'nf_conntrack'; skipped: string | null}
  | {kind: 'live'; path: string; before: number | null; after: number}
  | {
      kind: 'file'
      path: string
      realPath: string
      purpose: SysctlFilePurpose
      create: boolean
      /** Why the plan writes this file. */
      reason: string
      /** For `shadow`: the file it hides. */
      shadows?: string
      /** Set when a symbolic link (a /dev/null mask, a link out of /etc) is replaced by this file: its old target. */
      replacesLink?: string
      diff: string
      removedDuplicateLines: number[]
    }

type FileAction = Extract<SysctlAction, {kind: 'file'}>

export interface SysctlApplyResult {
  root: string
  dryRun: boolean
  value: number
  /** The value persisted: `value`, or a higher one already persisted (not lowered without --force). */
  persistValue: number | null
  changed: boolean
  aborted: boolean
  actions: SysctlAction[]
  before: SysctlCheckResult
  after: SysctlCheckResult
  problems: SysctlProblem[]
  exitCode: 0 | 3
}

interface PlannedFile {
  action: FileAction
  snapshot: FileSnapshot
  /** The text the file had (or the shadowed file's, for a shadow) and will have. */
  original: string
  after: string
}

/** Directories of packages (overwritten on upgrade) and of the runtime (gone after a reboot): read, never written. */
function vendorArea(path: string): string | null {
  if (path.startsWith('/run/')) return 'a file under /run is gone after a reboot'
  if (path.startsWith('/usr/local/')) return "a file under /usr/local is not the host's configuration (that is /etc)"
  if (path.startsWith('/usr/') || path.startsWith('/lib/')) return `a file under /${path.split('/')[1]} belongs to a package: the next upgrade overwrites it`
  return null
}

function isSysctlLocation(tree: SysctlTree, path: string): boolean {
  if (path === SYSCTL_CONF) return true
  const name = posix.basename(path)
  return tree.confDirs('sysctl.d').includes(posix.dirname(path)) && name.endsWith('.conf') && name.length > 5 && !name.startsWith('.')
}

export async function applySysctl(options: SysctlApplyOptions): Promise<SysctlApplyResult> {
  const value = validateConntrackMax(options.value)
  if (options.noPersist && options.persistTo !== undefined) {
    throw new UsageError('--persist-to and --no-persist cannot be used together', {hint: 'drop one of them'})
  }
  const tree = new SysctlTree(options.root ?? '/')
  const onHost = tree.root === '/'
  let target = DEFAULT_DROP_IN
  if (options.persistTo !== undefined) {
    target = posix.normalize(posix.isAbsolute(options.persistTo) ? options.persistTo : '/' + options.persistTo)
    const vendor = vendorArea(target)
    if (vendor) {
      const shadow = `/etc/sysctl.d/${posix.basename(target)}`
      throw new UsageError(`--persist-to ${options.persistTo}: felixctl does not write there (${vendor})`, {
        hint: `override it from /etc instead: \`felixctl sysctl apply\` writes ${shadow}, a file of the same name that hides it and keeps its other lines, when it would win with another value; or pass --persist-to ${shadow}`,
      })
    }
    if (!isSysctlLocation(tree, target)) {
      throw new UsageError(`--persist-to ${options.persistTo}: neither systemd-sysctl nor \`sysctl --system\` reads this file`, {
        hint: `use /etc/sysctl.conf or a *.conf file in /etc/sysctl.d`,
      })
    }
  }
  const before = checkTree(tree, value)
  const problems: SysctlProblem[] = []
  const note = (p: Omit<SysctlProblem, 'param'>) => problems.push(withParam(p, tree.root))
  const actions: SysctlAction[] = []
  const plan = new FilePlan(tree)
  const livePath = `${PROC_DIR}/nf_conntrack_max`

  // 1. The module: now (modprobe, only when asked) and at boot (by default when the value is persisted).
  let moduleWillLoad = before.live.moduleLoaded
  if (options.loadModule && !before.live.moduleLoaded) {
    if (onHost) {
      actions.push({kind: 'modprobe', module: 'nf_conntrack', skipped: null})
      moduleWillLoad = true
    } else {
      actions.push({kind: 'modprobe', module: 'nf_conntrack', skipped: `not run with --root (it would load the module on this host, not in ${tree.root})`})
    }
  } else if (!before.live.moduleLoaded) {
    note({
      severity: 'warning',
      code: 'module-not-loaded',
      layer: 'live',
      origin: {type: 'live', path: livePath},
      message: 'the nf_conntrack module is not loaded: the live value cannot be set now',
      hint: 'add --load-module to load it now (modprobe)',
    })
  }
  const moduleAtBootMissing = !before.moduleAtBoot.configured && !before.udevRule
  if (moduleAtBootMissing && (options.loadModule || (options.loadModule === undefined && !options.noPersist))) {
    plan.edit(MODULES_LOAD_ENTRY, 'module-at-boot', 'nothing loads nf_conntrack at boot: systemd-sysctl would skip the key and the kernel default would apply', (text) => {
      if (text.trim() === '') return '# Written by felixctl: load nf_conntrack at boot, before systemd-sysctl applies net.netfilter.nf_conntrack_max.\nnf_conntrack\n'
      return text + (/\n$/.test(text) ? '' : '\n') + 'nf_conntrack\n'
    })
  } else if (moduleAtBootMissing && options.loadModule === false && !options.noPersist) {
    note({
      severity: 'warning',
      code: 'value-lost-at-reboot',
      layer: 'module',
      origin: null,
      message: 'nothing loads nf_conntrack at boot and --no-load-module was given: systemd-sysctl will skip the key, so the persisted value will not hold after a reboot',
      hint: `drop --no-load-module (writes ${MODULES_LOAD_ENTRY}), or add a udev rule running \`systemd-sysctl --prefix=/net/netfilter\` when the module is added`,
    })
  }

  // 2. The live value.
  let liveAfter: number | null = null
  if (moduleWillLoad) {
    const current = before.live.max
    if (current !== null && current > value && !options.force) {
      note({severity: 'info', code: 'live-not-lowered', layer: 'live', origin: {type: 'live', path: livePath}, message: `live ${CONNTRACK_MAX_KEY} is ${current}, higher than ${value}: not lowered`, hint: 'pass --force to lower it'})
    } else if (current !== value) {
      actions.push({kind: 'live', path: livePath, before: current, after: value})
      liveAfter = value
    }
  }

  // 3. Persistence: the value must win in both orders, boot (systemd-sysctl) and `sysctl --system`.
  let persistValue: number | null = null
  let unresolved: RawDef | null | undefined
  if (!options.noPersist) {
    persistValue = value
    const higher = [before.persisted.boot, before.persisted.sysctlSystem].filter((w): w is SysctlWinner => w !== null && w.value !== null && w.value > value).sort((x, y) => y.value! - x.value!)[0]
    if (higher && !options.force) {
      persistValue = higher.value!
      note({
        severity: 'info',
        code: 'persisted-not-lowered',
        layer: 'persisted',
        origin: {type: 'file', path: higher.path, line: higher.line},
        message: `the persisted value ${persistValue} (${higher.path}:${higher.line}) is higher than ${value}: not lowered`,
        hint: 'pass --force to lower it',
      })
    }
    unresolved = planPersistence(plan, before, target, persistValue)
  }

  const fileActions = plan.files.filter((pf) => pf.after !== pf.snapshot.content.toString('utf8') || pf.action.replacesLink !== undefined)
  actions.push(...fileActions.map((pf) => pf.action))

  // 4. Evaluate the plan with the same rules as `check`.
  const simulated = new SysctlTree(tree.root)
  for (const pf of fileActions) simulated.overlay.set(pf.action.realPath, pf.after)
  if (liveAfter !== null) simulated.liveOverride = liveAfter
  if (moduleWillLoad && !before.live.moduleLoaded) simulated.moduleOverride = true
  const planned_after = checkTree(simulated, value)
  if (unresolved !== undefined) {
    const w = unresolved
    note({
      severity: 'warning',
      code: 'overridden-by-later-file',
      layer: 'persisted',
      origin: w ? {type: 'file', path: w.path, line: w.line} : null,
      message: w ? `${w.path}:${w.line} still wins with ${JSON.stringify(w.value ?? '')} after the planned edits` : `${target} is not read at boot`,
      hint: 'check `felixctl sysctl check -o wide` and edit that line',
    })
  }

  // 5. Pre-flight: everything that will be written must be writable, before anything is.
  const preflight: LocalIoError[] = []
  if (liveAfter !== null && before.live.moduleLoaded) {
    try {
      accessSync(tree.abs(livePath), constants.W_OK)
    } catch (error) {
      const e = localIoErrorFrom(error, tree.abs(livePath), 'write')
      // Root is refused too where the key is 0444: a container's network namespace.
      const hint = before.live.writable === false && process.getuid?.() === 0 ? 'the key is read-only in this network namespace (a container?): set it on the host' : e.hint
      preflight.push(new LocalIoError(e.message, {path: e.path, hint, code: e.code, cause: error}))
    }
  }
  for (const pf of fileActions) {
    const err = preflightFile(pf)
    if (err) preflight.push(err)
  }
  if (preflight.length > 0 && !options.dryRun) {
    const first = preflight[0]
    throw new LocalIoError(`${first.message}; nothing was written`, {path: first.path, hint: first.hint, code: first.code, cause: first})
  }
  for (const e of preflight) note({severity: 'warning', code: e.code, layer: 'apply', origin: null, message: `would fail: ${e.message}`, hint: e.hint ?? null})

  const result: SysctlApplyResult = {
    root: tree.root,
    dryRun: Boolean(options.dryRun),
    value,
    persistValue,
    changed: actions.some((a) => a.kind !== 'modprobe' || a.skipped === null),
    aborted: false,
    actions,
    before,
    after: planned_after,
    problems,
    exitCode: 0,
  }
  // Exit 3 when the outcome still misses the recommendation; what the flags opted out of does not count
  // (persistence with --no-persist, the module at boot with --no-load-module, which is warned about above).
  const optedOut = (p: SysctlProblem) => (options.noPersist && (p.layer === 'persisted' || p.layer === 'module')) || (options.loadModule === false && p.layer === 'module')
  const failing = (c: SysctlCheckResult) => c.problems.some((p) => p.severity === 'error' && !optedOut(p))
  result.exitCode = failing(planned_after) ? 3 : 0
  if (options.dryRun || !result.changed) return result
  if (options.confirm && !(await options.confirm(result))) return {...result, aborted: true, changed: false, after: before, exitCode: failing(before) ? 3 : 0}

  // 6. Execute: modprobe, live value, then files; undo what was done when a later step fails.
  const undo: (() => void)[] = []
  try {
    for (const a of actions) {
      if (a.kind === 'modprobe' && a.skipped === null) await (options.modprobe ?? runModprobe)()
    }
    const live = actions.find((a) => a.kind === 'live')
    if (live && live.kind === 'live') {
      const path = tree.abs(livePath)
      writeProcValue(path, live.after)
      if (live.before !== null) undo.push(() => writeProcValue(path, live.before!))
    }
    for (const pf of fileActions) undo.push(writePlannedFile(tree, pf))
  } catch (error) {
    const undone: string[] = []
    for (const u of undo.reverse()) {
      try {
        u()
        undone.push('ok')
      } catch {
        undone.push('failed')
      }
    }
    if (error instanceof LocalIoError && undo.length > 0) {
      const msg = undone.includes('failed') ? 'some earlier changes could not be undone' : 'earlier changes were undone'
      throw new LocalIoError(`${error.message} (${msg})`, {path: error.path, hint: error.hint, code: error.code, cause: error})
    }
    throw error
  }
  result.after = checkTree(new SysctlTree(tree.root), value)
  result.exitCode = failing(result.after) ? 3 : 0
  return result
}

/**
 * Issue 15: make `value` win at boot (systemd-sysctl's order) and after `sysctl --system` (the same files,
 * then /etc/sysctl.conf again). The target gets the value when boot would not set it yet; then, while a
 * definition with another value still wins in either order, its file is fixed: under /etc in place, under
 * /run, /usr/local/lib, /usr/lib or /lib by a file of the same name in /etc/sysctl.d that hides it.
 * Returns undefined when both orders end at the value, else what still wins (null: nothing does).
 */
function planPersistence(plan: FilePlan, before: SysctlCheckResult, target: string, value: number): RawDef | null | undefined {
  const v = String(value)
  const set = (key: string) => (text: string) => setSysctlValue(text, key, v, {header: ['# Written by felixctl sysctl apply: the conntrack table size Calico recommends.', '# Edit with `felixctl sysctl apply --value N`.']})
  const disagreeing = (path: string) =>
    before.persisted.files.some((d) => (d.path === path || d.realPath === path) && !d.glob && !d.exclude && normalizeSysctlKey(d.key) === KEY_PATH && parseKernelInt(d.value ?? '') !== value)
  const targetReason = target === DEFAULT_DROP_IN ? `persist ${v}: felixctl's drop-in sorts after 99-sysctl.conf (the link to /etc/sysctl.conf), so it wins at boot` : `persist ${v} in the file --persist-to names`
  let targetPlanned = false
  const planTarget = () => {
    plan.edit(target, 'persist', targetReason, set(KEY_PATH))
    targetPlanned = true
  }
  if (before.persisted.boot?.value !== value || disagreeing(target)) planTarget()
  // felixctl's own drop-in never keeps another value, even when --persist-to names another file.
  if (target !== DEFAULT_DROP_IN && disagreeing(DEFAULT_DROP_IN)) plan.edit(DEFAULT_DROP_IN, 'agree', `felixctl's drop-in sets another value: set to ${v}`, set(KEY_PATH))

  // Each round fixes one file, and a fixed file no longer disagrees: the rounds are bounded by the files.
  for (let round = 0; round < 100; round++) {
    const ev = evaluateDefinitions(plan.tree)
    const wins = (d: RawDef | null) => d !== null && parseKernelInt(d.value ?? '') === value
    if (wins(ev.boot) && wins(ev.procps)) {
      // Fewest edits: a new drop-in that the other fixes made redundant is not written.
      const dropIn = plan.files.find((f) => f.action.purpose === 'persist' && f.action.path === DEFAULT_DROP_IN && f.action.create && f.action.replacesLink === undefined)
      if (dropIn && target === DEFAULT_DROP_IN && plan.files.length > 1) {
        const putBack = plan.drop(dropIn)
        const without = evaluateDefinitions(plan.tree)
        if (!wins(without.boot) || !wins(without.procps)) putBack()
      }
      return undefined
    }
    const culprit = !wins(ev.boot) ? (ev.boot && !ev.boot.glob ? ev.boot : ev.cancelledBy) : ev.procps && !ev.procps.glob ? ev.procps : null
    if (culprit === null) {
      // Nothing explicit wins (nothing at all, or a glob): an explicit line in the target beats globs.
      if (targetPlanned) return ev.boot ?? ev.procps
      planTarget()
      continue
    }
    const where = culprit === ev.cancelledBy ? 'cancels the key at boot (systemd-sysctl reads "-key" as "do not set")' : `sets ${JSON.stringify(culprit.value ?? '')} and wins ${culprit === ev.boot && culprit === ev.procps ? 'at boot and with `sysctl --system`' : culprit === ev.boot ? 'at boot' : 'with `sysctl --system`'}`
    const vendor = vendorArea(culprit.path)
    const changed = vendor
      ? plan.shadow(culprit.path, `${culprit.path}:${culprit.line} ${where}; not edited (${vendor}): /etc/sysctl.d/${posix.basename(culprit.path)} has the same name, hides it and keeps every other line`, set(culprit.key))
      : plan.edit(culprit.path, 'agree', `${culprit.path}:${culprit.line} ${where}${culprit.path === SYSCTL_CONF && culprit !== ev.boot ? ' (procps reads /etc/sysctl.conf last)' : ''}: edited in place`, set(culprit.key))
    if (!changed) return culprit
  }
  return null
}

/** The files `apply` will write, with an overlay tree that shows the planned state to the evaluation. */
class FilePlan {
  readonly files: PlannedFile[] = []
  readonly tree: SysctlTree

  constructor(readonly real: SysctlTree) {
    this.tree = new SysctlTree(real.root)
  }

  /** Take a planned file out; the function returned puts it back where it was. */
  drop(pf: PlannedFile): () => void {
    const at = this.files.indexOf(pf)
    this.files.splice(at, 1)
    this.tree.overlay.delete(pf.action.realPath)
    return () => {
      this.files.splice(at, 0, pf)
      this.tree.overlay.set(pf.action.realPath, pf.after)
    }
  }

  /** Edit a file under /etc (created when missing); false when the edit changes nothing. */
  edit(path: string, purpose: SysctlFilePurpose, reason: string, edit: (text: string) => string | {text: string; removedLines: number[]}): boolean {
    const loc = this.writeLocation(path)
    return this.apply(path, loc.at, purpose, reason, loc.text, loc.linkTarget, edit)
  }

  /** Hide `vendorPath` with a file of the same name in /etc/sysctl.d: its text, edited. */
  shadow(vendorPath: string, reason: string, edit: (text: string) => string | {text: string; removedLines: number[]}): boolean {
    const outcome = this.tree.read(vendorPath)
    const at = `/etc/sysctl.d/${posix.basename(vendorPath)}`
    return this.apply(at, at, 'shadow', reason, outcome.kind === 'file' ? outcome.text : '', undefined, edit, vendorPath)
  }

  private apply(path: string, at: string, purpose: SysctlFilePurpose, reason: string, text: string, linkTarget: string | undefined, edit: (text: string) => string | {text: string; removedLines: number[]}, shadows?: string): boolean {
    let pf = this.files.find((f) => f.action.realPath === at)
    const current = pf ? pf.after : text
    const out = edit(current)
    const after = typeof out === 'string' ? out : out.text
    if (pf && after === current) return false
    if (!pf) {
      const snapshot = this.snapshot(at, linkTarget)
      const original = shadows !== undefined ? text : snapshot.content.toString('utf8')
      pf = {snapshot, original, after, action: {kind: 'file', path, realPath: at, purpose, create: !snapshot.exists, reason, ...(shadows ? {shadows} : {}), ...(linkTarget !== undefined ? {replacesLink: linkTarget} : {}), diff: '', removedDuplicateLines: []}}
      this.files.push(pf)
    } else if (pf.action.purpose !== purpose || pf.action.reason !== reason) {
      pf.action.reason += `; ${reason}`
    }
    if (typeof out !== 'string' && !pf.action.removedDuplicateLines.length) pf.action.removedDuplicateLines = out.removedLines
    pf.after = after
    const a = pf.action
    a.diff = a.shadows ? unifiedDiff(pf.original, after, a.shadows, a.realPath) : fileDiff(pf.original, after, a.realPath, a.create)
    this.tree.overlay.set(at, after)
    return after !== current
  }

  /**
   * Where an edit of `path` lands: a symbolic link is followed while it stays under /etc (Debian's
   * 99-sysctl.conf -> ../sysctl.conf); a /dev/null mask or a link out of /etc is replaced by a file, so
   * that no file outside /etc is ever written.
   */
  private writeLocation(path: string): {at: string; text: string; linkTarget?: string} {
    const planned = this.files.find((f) => f.action.realPath === path)
    if (planned) return {at: path, text: planned.after}
    let link: string | undefined
    try {
      if (lstatSync(this.real.abs(path)).isSymbolicLink()) link = readlinkSync(this.real.abs(path))
    } catch {}
    const outcome = this.tree.read(path)
    const text = outcome.kind === 'file' ? outcome.text : ''
    if (link === undefined) return {at: path, text}
    const real = outcome.kind === 'file' || outcome.kind === 'masked' ? outcome.realPath : null
    if (real !== null && real.startsWith('/etc/')) return {at: real, text}
    return {at: path, text, linkTarget: link}
  }

  private snapshot(at: string, linkTarget: string | undefined): FileSnapshot {
    const hostPath = this.real.abs(at)
    // A replaced link is written as a new file next to it (renamed over the link).
    const snapshot = linkTarget !== undefined ? {path: hostPath, realPath: hostPath, exists: false, content: Buffer.alloc(0)} : readForEdit(hostPath, {allowMissing: true})
    if (this.real.root !== '/') {
      // A directory on the way may be a link: the file must still land inside the tree.
      let dir = posix.dirname(hostPath)
      while (!existsSync(dir) && posix.dirname(dir) !== dir) dir = posix.dirname(dir)
      const realDir = realpathSync(dir)
      if (realDir !== this.real.root && !realDir.startsWith(this.real.root + '/')) {
        throw new LocalIoError(`${hostPath} lies out of ${this.real.root} (through ${realDir}); refusing to write outside the tree`, {path: hostPath, code: 'symlink-outside-root', hint: 'fix the link, or pass --persist-to another file'})
      }
    }
    return snapshot
  }
}

/** Write one planned file; returns how to undo it. */
function writePlannedFile(tree: SysctlTree, pf: PlannedFile): () => void {
  const dir = posix.dirname(pf.snapshot.realPath)
  try {
    mkdirSync(dir, {recursive: true, mode: 0o755})
  } catch (error) {
    throw localIoErrorFrom(error, dir, 'create')
  }
  const snap = pf.snapshot
  const link = pf.action.replacesLink
  if (link !== undefined) {
    replaceLinkWithFile(snap.realPath, link, pf.after)
    return () => {
      unlinkSync(snap.realPath)
      symlinkSync(link, snap.realPath)
    }
  }
  writeAtomic(snap, pf.after)
  return () => {
    if (!snap.exists) unlinkSync(snap.realPath)
    else writeAtomic(readForEdit(snap.realPath), snap.content)
  }
}

/** Replace a symbolic link by a regular file atomically (temp file, fsync, rename over the link). */
function replaceLinkWithFile(path: string, linkTarget: string, content: string): void {
  const tmp = posix.join(posix.dirname(path), `.${posix.basename(path)}.felixctl-${process.pid}.tmp`)
  let fd: number | undefined
  try {
    if (readlinkSync(path) !== linkTarget) {
      throw new WriteRefusedError(`${path} changed since felixctl read it; nothing was written`, {hint: 'someone else edited the file at the same time: run the command again', code: 'file-changed'})
    }
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644)
    writeSync(fd, content)
    fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    renameSync(tmp, path)
  } catch (error) {
    if (fd !== undefined) closeSync(fd)
    try {
      unlinkSync(tmp)
    } catch {}
    if (error instanceof WriteRefusedError) throw error
    throw localIoErrorFrom(error, path, 'write')
  }
}

function preflightFile(pf: PlannedFile): LocalIoError | null {
  const target = pf.snapshot.realPath
  try {
    if (pf.snapshot.exists) accessSync(target, constants.W_OK)
    // The rename needs the directory (or, for a new directory, its nearest existing ancestor) writable.
    let dir = posix.dirname(target)
    for (;;) {
      try {
        statSync(dir)
        break
      } catch {
        const up = posix.dirname(dir)
        if (up === dir) break
        dir = up
      }
    }
    accessSync(dir, constants.W_OK)
    return null
  } catch (error) {
    return localIoErrorFrom(error, target, 'write')
  }
}

/**
 * A sysctl is written in place (never by rename): open the existing file without
 * creating it, write the number. O_TRUNC keeps a shorter value from leaving stale
 * bytes when the "proc" file is a regular file of a --root tree.
 */
function writeProcValue(path: string, value: number): void {
  let fd: number | undefined
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_TRUNC)
    writeSync(fd, `${value}\n`)
  } catch (error) {
    throw localIoErrorFrom(error, path, 'write')
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

async function runModprobe(): Promise<void> {
  // Loaded lazily: only `apply --load-module` on a real host needs a child process.
  const {spawnSync} = await import('node:child_process')
  const r = spawnSync('modprobe', ['nf_conntrack'], {encoding: 'utf8'})
  if (r.error || r.status !== 0) {
    const why = r.error ? (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'modprobe is not installed' : r.error.message : (r.stderr || `exit ${r.status}`).trim()
    throw new LocalIoError(`modprobe nf_conntrack failed: ${why}; nothing was written`, {code: 'modprobe-failed', hint: 'run felixctl as root on the host (not in a container), with the kmod package installed'})
  }
}

