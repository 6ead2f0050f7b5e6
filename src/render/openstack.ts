/** Pure renderers for `openstack render | apply | check`. */
import type {OpenStackRenderResult} from '../services/openstack-render.js'
import type {OpenStackApplyResult} from '../services/openstack-apply.js'
import type {OpenStackCheckResult} from '../services/openstack-check.js'
import type {FileRequirements} from '../openstack/requirements.js'
import {showMessage, terminalText} from './config.js'
import {showField} from './escape.js'
import {Painter, painter, renderTable} from './format.js'
import {OutputFormat, asOutput, isDocumentFormat, renderView} from './output.js'

/**
 * One file's snippet in the oslo.config dialect. Every comment is a line of its own:
 * oslo.config has no inline comments (a `#` after a value is part of the value).
 */
export function renderOpenStackFileIni(f: FileRequirements, releaseLabel: string): string {
  const out: string[] = [`# ${f.path}: settings Calico needs (OpenStack ${releaseLabel}), rendered by felixctl`]
  for (const n of f.notes) out.push(`# Note: ${n}`)
  const sections: string[] = []
  for (const s of f.settings) if (!sections.includes(s.section)) sections.push(s.section)
  for (const section of sections) {
    out.push('', `[${section}]`)
    for (const s of f.settings.filter((x) => x.section === section)) out.push(`# ${s.reason}`, `${s.key} = ${s.value}`)
  }
  return out.join('\n') + '\n'
}

/** The JSON document of `openstack render`; its items are the files. */
export function openStackRenderJson(result: OpenStackRenderResult) {
  return {
    release: result.release,
    files: result.files.map((f) => ({
      file: f.file, path: f.path,
      settings: f.settings.map((s) => ({section: s.section, key: s.key, value: s.value, type: s.type, reason: s.reason})),
      notes: f.notes,
    })),
  }
}

export async function renderOpenStackRender(result: OpenStackRenderResult, format: OutputFormat | string): Promise<string> {
  const o = asOutput(format)
  if (isDocumentFormat(o)) return renderView(o, () => {
    const doc = openStackRenderJson(result)
    return {doc, items: doc.files}
  })
  return result.files.map((f) => renderOpenStackFileIni(f, result.release.label)).join('\n')
}

/** `openstack apply`: the items are the changes. */
export async function renderOpenStackApply(result: OpenStackApplyResult, format: OutputFormat | string): Promise<string> {
  const o = asOutput(format)
  if (isDocumentFormat(o)) return renderView(o, {doc: result, items: result.changes})
  // The diff shows lines of the file: its newlines stay, everything else is escaped.
  if (result.dryRun) return terminalText(result.diff, false)
  const lines: string[] = []
  if (!result.changed) {
    lines.push(`${result.path}: already has every setting Calico needs (OpenStack ${result.release.label}); nothing changed`)
  } else {
    lines.push(`${result.created ? 'created' : 'updated'} ${result.path} (OpenStack ${result.release.label})${result.backupPath ? `; the original is in ${result.backupPath}` : ''}`)
    for (const c of result.changes) {
      if (c.action === 'changed') lines.push(`  changed [${showField(c.section)}] ${showField(c.key)}: ${showField(String(c.before))} -> ${showField(String(c.after))} (line ${c.line})`)
      else if (c.action === 'added') lines.push(`  added   [${showField(c.section)}] ${showField(c.key)} = ${showField(String(c.after))} (line ${c.line})`)
    }
  }
  return terminalText(lines.join('\n') + '\n', false)
}

/** Notes for stderr (what felixctl does not set). */
export function renderOpenStackNotes(notes: string[]): string {
  return notes.map((n) => `Note: ${showMessage(n)}\n`).join('')
}

/** `openstack check`: the items are the findings. */
export async function renderOpenStackCheck(result: OpenStackCheckResult, format: OutputFormat | string, paint: Painter = painter(false)): Promise<string> {
  const o = asOutput(format)
  if (isDocumentFormat(o)) return renderView(o, {doc: result, items: result.findings})
  const sev = (s: string) => (s === 'error' ? paint.red('error') : s === 'warning' ? paint.yellow('warning') : paint.dim('info'))
  const rows = result.findings.map((f) => [
    sev(f.severity), f.code,
    showField(`${f.file}${f.line !== null ? `:${f.line}` : ''}${f.section !== null ? ` [${f.section}]` : ''}`, 2048),
    showMessage(f.message), showMessage(f.fix),
  ])
  const s = result.summary
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`
  const head = rows.length ? renderTable({head: ['SEVERITY', 'CODE', 'WHERE', 'PROBLEM', 'FIX'], rows, paint, noHeaders: o.noHeaders}) : ''
  const verdict = result.status === 'ok' ? paint.green('ok') : result.status === 'not-checked' ? paint.red('not checked (no file found; name them with --nova, --neutron, --ml2, --dhcp)') : paint.red('requirements broken')
  return terminalText(`${head}OpenStack ${result.release.label}: ${verdict}: ${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'info')}\n`, paint.bold('x') !== 'x')
}
