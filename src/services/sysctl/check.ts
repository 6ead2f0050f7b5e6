/** `sysctl check`: the live values, who wins at boot and under `sysctl --system`, the module at boot. */
import {accessSync, constants, statSync} from 'node:fs'
import {CheckFailedError, LocalIoError} from '../../errors.js'
import {problemExit} from '../exit-codes.js'
import {parseKernelInt, parseModuleList, parseSysctlConf} from '../../formats/sysctl-conf.js'
import {readRegularFile} from '../../lib/read-file.js'
import {CONNTRACK_MAX_KEY, RECOMMENDED_CONNTRACK_MAX, KERNEL_INT_MAX, DEFAULT_DROP_IN, MODULES_LOAD_ENTRY, SYSCTL_CONF, PROC_DIR, USAGE_WARN_PERCENT, BYTES_PER_ENTRY, CONNTRACK_MODULES, SysctlProblem, SysctlLive, SysctlWinner, SysctlDefinitionStatus, SysctlDefinition, SysctlCheckResult, SysctlCheckOptions} from './model.js'
import {ReadOutcome, SysctlTree, collectConfFiles} from './tree.js'
import {matchesKey, RawDef, pickWinner, toWinner} from './precedence.js'

// ---------------------------------------------------------------------------------------------
// check

/** The contract's member order: severity, code, param, layer, origin, message, hint. */
export function withParam(p: Omit<SysctlProblem, 'param'>, root = '/'): SysctlProblem {
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

export function checkTree(tree: SysctlTree, recommended: number): SysctlCheckResult {
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
    exitCode: problemExit(hasError),
  }
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

export function evaluateDefinitions(tree: SysctlTree): Evaluation {
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
