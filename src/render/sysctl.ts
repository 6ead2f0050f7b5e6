/** Pure renderers for `sysctl check` and `sysctl apply`: (result, format) -> string. */
import type {SysctlCheckResult, SysctlProblem, SysctlWinner} from '../services/sysctl/model.js'
import type {SysctlApplyResult} from '../services/sysctl/apply.js'
import {showMessage, terminalText} from './config.js'
import {showField, showQuoted} from './escape.js'
import {painter, renderKeyValues, renderTable, type Painter} from './format.js'
import {OutputFormat, asOutput, isDocumentFormat, renderView} from './output.js'

export type SysctlFormat = OutputFormat | 'table' | 'wide' | 'json' | 'yaml'

const plain = painter(false)
/** Text output keeps felixctl's own colours only when it paints them. */
const sysctlText = (out: string, paint: Painter) => terminalText(out, paint !== plain)

function winnerText(w: SysctlWinner | null): string {
  if (!w) return 'none'
  const v = w.value === null ? `${showQuoted(w.raw)} (not an integer)` : String(w.value)
  return `${v}  ${showField(w.path, 1024)}:${w.line}${w.realPath ? ` (-> ${showField(w.realPath, 1024)})` : ''}`
}

function mib(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MiB`
}

export function renderProblems(problems: SysctlProblem[], paint: Painter = plain): string {
  if (problems.length === 0) return ''
  const colour = (p: SysctlProblem) => (p.severity === 'error' ? paint.red : p.severity === 'warning' ? paint.yellow : paint.cyan)
  const lines: string[] = []
  for (const p of problems) {
    lines.push(`${colour(p)(p.severity.toUpperCase().padEnd(8))}${p.code}: ${showMessage(p.message)}`)
    if (p.hint) lines.push(`${' '.repeat(8)}hint: ${showMessage(p.hint)}`)
  }
  return lines.join('\n') + '\n'
}

function checkSummary(r: SysctlCheckResult, wide: boolean, paint: Painter): string {
  const live = r.live
  const liveText = !live.moduleLoaded ? 'module nf_conntrack not loaded' : live.max === null ? 'unreadable' : String(live.max)
  const pairs: [string, string][] = [
    ['key', r.key],
    ['live', `${liveText} (recommended ${r.recommended})${live.writable === false && live.moduleLoaded ? ', read-only here' : ''}`],
    ['usage', live.count !== null && live.max !== null ? `${live.count} / ${live.max} entries (${r.usagePercent} %)` : 'unknown'],
    ['buckets', live.buckets === null ? 'unknown' : String(live.buckets)],
    ['persisted (boot)', winnerText(r.persisted.boot)],
    ['sysctl --system', winnerText(r.persisted.sysctlSystem)],
    ['module at boot', r.moduleAtBoot.configured ? `yes (${r.moduleAtBoot.where.join(', ')})` : 'no'],
    ['udev rule', r.udevRule ? `${r.udevRule.path}:${r.udevRule.line}` : 'none'],
  ]
  if (wide) {
    pairs.push(['memory at full use', r.memoryAtFullBytes === null ? 'unknown' : `about ${mib(r.memoryAtFullBytes)} (300 bytes per entry)`])
    pairs.push(['root', r.root])
  }
  return renderKeyValues(pairs, paint)
}

function definitionsTable(r: SysctlCheckResult, wide: boolean, paint: Painter, noHeaders = false): string {
  const defs = r.persisted.files.filter((d) => wide || d.status !== 'hidden')
  if (defs.length === 0) return ''
  const head = wide ? ['FILE', 'LINE', 'KEY', 'VALUE', 'STATUS', 'NOTE'] : ['FILE', 'LINE', 'VALUE', 'STATUS']
  const rows = defs.map((d) => {
    const file = showField(d.realPath ? `${d.path} -> ${d.realPath}` : d.path, 2048)
    const value = d.exclude ? '(exclude)' : showField(d.value ?? '')
    return wide ? [file, d.line, showField(d.key), value, d.status, showMessage(d.note ?? '')] : [file, d.line, value, d.status]
  })
  return '\n' + renderTable({head, rows, paint, noHeaders})
}

export function renderSysctlCheckText(r: SysctlCheckResult, format: 'table' | 'wide', paint: Painter = plain, noHeaders = false): string {
  const wide = format === 'wide'
  let out = checkSummary(r, wide, paint) + definitionsTable(r, wide, paint, noHeaders)
  if (wide && r.persisted.bootOrder.length > 0) out += `\nfiles read at boot, in order:\n${r.persisted.bootOrder.map((p) => `  ${p}`).join('\n')}\n`
  const problems = renderProblems(r.problems, paint)
  out += problems ? `\n${problems}` : `\n${paint.green('OK')}: live and persisted values meet the recommendation\n`
  return sysctlText(out, paint)
}

/** `sysctl check`: the items are the definitions of the key in the files; -o value prints the live value. */
export async function renderSysctlCheck(r: SysctlCheckResult, format: SysctlFormat, paint: Painter = plain): Promise<string> {
  const o = asOutput(format)
  if (isDocumentFormat(o)) return renderView(o, {doc: r, items: r.persisted.files, values: [r.live.max]})
  return renderSysctlCheckText(r, o.name as 'table' | 'wide', paint, o.noHeaders)
}

function beforeAfterTable(r: SysctlApplyResult, paint: Painter): string {
  const liveText = (c: SysctlCheckResult) => (!c.live.moduleLoaded ? 'not loaded' : String(c.live.max ?? 'unknown'))
  const rows: string[][] = [
    ['live', liveText(r.before), liveText(r.after)],
    ['persisted (boot)', winnerText(r.before.persisted.boot), winnerText(r.after.persisted.boot)],
    ['sysctl --system', winnerText(r.before.persisted.sysctlSystem), winnerText(r.after.persisted.sysctlSystem)],
    ['module at boot', r.before.moduleAtBoot.configured ? 'yes' : 'no', r.after.moduleAtBoot.configured ? 'yes' : 'no'],
  ]
  return renderTable({head: ['', 'BEFORE', r.dryRun ? 'AFTER (planned)' : 'AFTER'], rows, paint})
}

/** `plan`: the text shown before a confirmation prompt (nothing written yet, diffs included). */
export function renderSysctlApplyText(r: SysctlApplyResult, format: 'table' | 'wide', paint: Painter = plain, plan = false): string {
  const lines: string[] = []
  const changes = r.actions.filter((a) => a.kind !== 'modprobe' || a.skipped === null)
  if (plan) lines.push('These changes will be made:')
  else if (r.aborted) lines.push('Aborted: nothing was written. These changes were not made:')
  else if (!r.changed) lines.push(`Nothing to change: ${r.before.key} is already applied as asked.`)
  else if (r.dryRun) lines.push('Dry run: nothing was written. These changes would be made:')
  else lines.push(`Applied ${changes.length} change${changes.length === 1 ? '' : 's'}:`)
  for (const a of r.actions) {
    if (a.kind === 'modprobe') lines.push(a.skipped ? `  modprobe nf_conntrack: skipped, ${a.skipped}` : '  modprobe nf_conntrack')
    else if (a.kind === 'live') lines.push(`  set ${a.path}: ${a.before ?? 'none'} -> ${a.after}`)
    else {
      const what = a.purpose === 'module-at-boot' ? 'load nf_conntrack at boot' : a.purpose === 'agree' ? 'edit in place' : a.purpose === 'shadow' ? `shadow ${a.shadows}` : 'persist'
      const dups = a.removedDuplicateLines.length ? `, removed duplicate line${a.removedDuplicateLines.length === 1 ? '' : 's'} ${a.removedDuplicateLines.join(', ')}` : ''
      const link = a.replacesLink !== undefined ? `, replacing the link to ${a.replacesLink}` : ''
      lines.push(`  ${a.create ? 'create' : 'update'} ${a.realPath !== a.path ? `${a.path} (-> ${a.realPath})` : a.path} (${what}${dups}${link})`)
      lines.push(`      why: ${a.reason}`)
    }
  }
  let out = lines.join('\n') + '\n\n' + beforeAfterTable(r, paint)
  if (r.dryRun || plan || format === 'wide') {
    const diffs = r.actions.flatMap((a) => (a.kind === 'file' && a.diff ? [a.diff] : []))
    if (diffs.length > 0) out += '\n' + diffs.join('\n')
  }
  const problems = renderProblems([...r.problems, ...r.after.problems.filter((p) => !r.problems.some((q) => q.code === p.code))], paint)
  if (problems) out += '\n' + problems
  return sysctlText(out, paint)
}

/** `sysctl apply`: the items are the actions; -o value prints the live value after. */
export async function renderSysctlApply(r: SysctlApplyResult, format: SysctlFormat, paint: Painter = plain): Promise<string> {
  const o = asOutput(format)
  if (isDocumentFormat(o)) return renderView(o, {doc: r, items: r.actions, values: [r.after.live.max]})
  return renderSysctlApplyText(r, o.name as 'table' | 'wide', paint)
}
