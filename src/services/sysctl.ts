/**
 * `sysctl check` and `sysctl apply` for the conntrack table (issue 6, host-sysctl.md).
 *
 * Everything is read through a SysctlTree rooted at `/` or at `--root DIR`; paths in
 * results are paths inside that tree ("/etc/sysctl.conf"), errors name the real file.
 * The tree can carry an overlay of planned file contents and a planned live value, so
 * `apply` evaluates its own plan with the same code as `check` before writing
 * anything (and --dry-run shows the "after" column without writing).
 */
import {accessSync, closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, realpathSync, statSync, unlinkSync, writeSync} from 'node:fs'
import {posix, resolve as resolvePath} from 'node:path'
import {CheckFailedError, LocalIoError, UsageError, localIoErrorFrom} from '../errors.js'
import {readForEdit, writeAtomic, type FileSnapshot} from '../lib/atomic-write.js'
import {
  normalizeSysctlKey,
  parseKernelInt,
  parseModuleList,
  parseSysctlConf,
  setSysctlValue,
  sysctlKeyMatches,
} from '../formats/sysctl-conf.js'
import {fileDiff} from '../lib/diff.js'
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

/** host-sysctl.md: priority order; /lib only when it is not the same directory as /usr/lib. */
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
  if (boot !== null && !moduleAtBoot.configured && !udevRule) {
    problem({
      severity: 'warning',
      code: 'boot-order-trap',
      layer: 'module',
      origin: {type: 'file', path: boot.path, line: boot.line},
      message:
        'systemd-sysctl runs early at boot, usually before nf_conntrack is loaded; the key does not exist yet and is skipped silently, so the persisted value may never apply',
      hint: `load the module at boot: \`felixctl sysctl apply --load-module\` writes ${MODULES_LOAD_ENTRY} (or add a udev rule running \`systemd-sysctl --prefix=/net/netfilter\` when the module is added)`,
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
  return {boot: toWinner(bootWinner), sysctlSystem: toWinner(pickWinner(procpsDefs, 'procps')), files, bootOrder}
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
  /** modprobe nf_conntrack (on / only) and write a modules-load.d entry. */
  loadModule?: boolean
  /** Asked once, after planning and before writing; false aborts with nothing written. */
  confirm?: (plan: SysctlApplyResult) => Promise<boolean>
  /** Runs `modprobe nf_conntrack`; replaceable in tests. */
  modprobe?: () => void | Promise<void>
}

export type SysctlAction =
  | {kind: 'modprobe'; module: 'nf_conntrack'; skipped: string | null}
  | {kind: 'live'; path: string; before: number | null; after: number}
  | {kind: 'file'; path: string; realPath: string; purpose: 'persist' | 'agree' | 'module-at-boot'; create: boolean; diff: string; removedDuplicateLines: number[]}

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
  action: Extract<SysctlAction, {kind: 'file'}>
  snapshot: FileSnapshot
  after: string
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
    if (!isSysctlLocation(tree, target)) {
      throw new UsageError(`--persist-to ${options.persistTo}: neither systemd-sysctl nor \`sysctl --system\` reads this file`, {
        hint: `use /etc/sysctl.conf or a *.conf file in ${tree.confDirs('sysctl.d').join(', ')}`,
      })
    }
  }
  const before = checkTree(tree, value)
  const problems: SysctlProblem[] = []
  const note = (p: Omit<SysctlProblem, 'param'>) => problems.push(withParam(p, tree.root))
  const actions: SysctlAction[] = []
  const planned: PlannedFile[] = []
  const livePath = `${PROC_DIR}/nf_conntrack_max`

  // 1. The module.
  let moduleWillLoad = before.live.moduleLoaded
  if (options.loadModule) {
    if (!before.live.moduleLoaded) {
      if (onHost) {
        actions.push({kind: 'modprobe', module: 'nf_conntrack', skipped: null})
        moduleWillLoad = true
      } else {
        actions.push({kind: 'modprobe', module: 'nf_conntrack', skipped: `not run with --root (it would load the module on this host, not in ${tree.root})`})
      }
    }
    if (!before.moduleAtBoot.configured) {
      planFile(tree, planned, MODULES_LOAD_ENTRY, 'module-at-boot', (text) => {
        if (text.trim() === '') return '# Written by felixctl: load nf_conntrack at boot, before systemd-sysctl applies net.netfilter.nf_conntrack_max.\nnf_conntrack\n'
        return text + (/\n$/.test(text) ? '' : '\n') + 'nf_conntrack\n'
      })
    }
  } else if (!before.live.moduleLoaded) {
    note({
      severity: 'warning',
      code: 'module-not-loaded',
      layer: 'live',
      origin: {type: 'live', path: livePath},
      message: 'the nf_conntrack module is not loaded: the live value cannot be set now',
      hint: 'add --load-module to load it now (modprobe) and at boot (modules-load.d)',
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

  // 3. Persistence.
  let persistValue: number | null = null
  if (!options.noPersist) {
    const bootValue = before.persisted.boot?.value ?? null
    persistValue = value
    if (bootValue !== null && bootValue > value && !options.force) {
      persistValue = bootValue
      note({
        severity: 'info',
        code: 'persisted-not-lowered',
        layer: 'persisted',
        origin: {type: 'file', path: before.persisted.boot!.path, line: before.persisted.boot!.line},
        message: `the persisted value ${bootValue} is higher than ${value}: not lowered`,
        hint: 'pass --force to lower it',
      })
    }
    const p = String(persistValue)
    const agreeFiles = [SYSCTL_CONF, DEFAULT_DROP_IN].filter((f) => f !== target)
    const disagreeing = (path: string) =>
      before.persisted.files.some((d) => (d.path === path || d.realPath === path) && !d.glob && !d.exclude && normalizeSysctlKey(d.key) === KEY_PATH && parseKernelInt(d.value ?? '') !== persistValue)
    // The target is written when boot would not set the value yet (or the target itself says otherwise);
    // an already-persisted value in another file is left where it is.
    if (before.persisted.boot?.value !== persistValue || disagreeing(target)) {
      planFile(tree, planned, target, 'persist', (text) =>
        setSysctlValue(text, KEY_PATH, p, {header: ['# Written by felixctl sysctl apply: the conntrack table size Calico recommends.', '# Edit with `felixctl sysctl apply --value N`.']}).text,
      )
    }
    for (const f of agreeFiles) {
      // /etc/sysctl.conf (read last by `sysctl --system`) and felixctl's own drop-in must not disagree.
      if (disagreeing(f)) planFile(tree, planned, f, 'agree', (text) => setSysctlValue(text, KEY_PATH, p).text)
    }
  }

  for (const pf of planned) {
    pf.action.removedDuplicateLines = pf.action.purpose === 'module-at-boot' ? [] : setSysctlValue(pf.snapshot.content.toString('utf8'), KEY_PATH, String(persistValue)).removedLines
  }
  const fileActions = planned.filter((pf) => pf.after !== pf.snapshot.content.toString('utf8'))
  actions.push(...fileActions.map((pf) => pf.action))

  // 4. Evaluate the plan with the same rules as `check`.
  const simulated = new SysctlTree(tree.root)
  for (const pf of fileActions) simulated.overlay.set(pf.action.realPath, pf.after)
  if (liveAfter !== null) simulated.liveOverride = liveAfter
  if (moduleWillLoad && !before.live.moduleLoaded) simulated.moduleOverride = true
  const planned_after = checkTree(simulated, value)
  if (persistValue !== null) {
    const w = planned_after.persisted.boot
    if (w?.value !== persistValue) {
      note({
        severity: 'warning',
        code: 'overridden-by-later-file',
        layer: 'persisted',
        origin: w ? {type: 'file', path: w.path, line: w.line} : null,
        message: w
          ? `${w.path}:${w.line} loads later at boot and sets ${w.raw}: it overrides ${target}`
          : `${target} is not read at boot (hidden by a file of the same name in a higher-priority directory?)`,
        hint: w ? `persist there instead: felixctl sysctl apply --persist-to ${w.realPath ?? w.path}, or remove that line` : `check \`felixctl sysctl check -o wide\``,
      })
    }
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
  // Exit 3 when the outcome still misses the recommendation (persistence is not asked for with --no-persist).
  const failing = (c: SysctlCheckResult) => c.problems.some((p) => p.severity === 'error' && !(options.noPersist && p.layer === 'persisted'))
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
    for (const pf of fileActions) {
      const dir = tree.abs(posix.dirname(pf.action.realPath))
      try {
        mkdirSync(dir, {recursive: true, mode: 0o755})
      } catch (error) {
        throw localIoErrorFrom(error, dir, 'create')
      }
      writeAtomic(pf.snapshot, pf.after)
      const snap = pf.snapshot
      undo.push(() => {
        if (!snap.exists) unlinkSync(snap.realPath)
        else writeAtomic(readForEdit(snap.realPath), snap.content)
      })
    }
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

function planFile(tree: SysctlTree, planned: PlannedFile[], path: string, purpose: 'persist' | 'agree' | 'module-at-boot', edit: (text: string) => string): void {
  const hostPath = tree.abs(path)
  const snapshot = readForEdit(hostPath, {allowMissing: true, followSymlinks: true})
  if (snapshot.exists && tree.root !== '/' && !snapshot.realPath.startsWith(tree.root + '/')) {
    throw new LocalIoError(`${hostPath} is a symbolic link out of ${tree.root} (${snapshot.realPath}); refusing to write outside the tree`, {path: hostPath, code: 'symlink-outside-root', hint: 'fix the link, or pass --persist-to another file'})
  }
  const before = snapshot.content.toString('utf8')
  const after = edit(before)
  const realPath = tree.root === '/' ? snapshot.realPath : '/' + posix.relative(tree.root, snapshot.realPath)
  planned.push({
    snapshot,
    after,
    action: {kind: 'file', path, realPath, purpose, create: !snapshot.exists, diff: fileDiff(before, after, path, !snapshot.exists), removedDuplicateLines: []},
  })
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

