/** `sysctl apply`: plan the files and the live value, check the plan with `check`'s code, execute, roll back on failure. */
import {accessSync, closeSync, constants, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readlinkSync, realpathSync, renameSync, statSync, symlinkSync, unlinkSync, writeSync} from 'node:fs'
import {posix} from 'node:path'
import {LocalIoError, UsageError, WriteRefusedError, localIoErrorFrom} from '../../errors.js'
import {problemExit} from '../exit-codes.js'
import {readForEdit, writeAtomic, type FileSnapshot} from '../../lib/atomic-write.js'
import {normalizeSysctlKey, parseKernelInt, setSysctlValue} from '../../formats/sysctl-conf.js'
import {fileDiff, unifiedDiff} from '../../lib/diff.js'
import {CONNTRACK_MAX_KEY, KEY_PATH, DEFAULT_DROP_IN, MODULES_LOAD_ENTRY, SYSCTL_CONF, PROC_DIR, SysctlProblem, SysctlWinner, SysctlCheckResult} from './model.js'
import {SysctlTree} from './tree.js'
import {withParam, validateConntrackMax, checkTree, evaluateDefinitions} from './check.js'
import {RawDef} from './precedence.js'

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
  result.exitCode = problemExit(failing(planned_after))
  if (options.dryRun || !result.changed) return result
  if (options.confirm && !(await options.confirm(result))) return {...result, aborted: true, changed: false, after: before, exitCode: problemExit(failing(before))}

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
  result.exitCode = problemExit(failing(result.after))
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
