/** Renderers for `config migrate`: the v3 resources (stdout), the report (stderr / --report), the --diff view. */
import type {HostDiff, MigrateResult} from '../services/config-migrate.js'
import {showMessage, terminalText} from './config.js'
import {escapeTerminal, showField} from './escape.js'
import {painter, renderTable, toJson, toYaml} from './format.js'
import {OutputFormat, asOutput, renderView} from './output.js'

/** `-o yaml`: one YAML document per resource, separated by `---`; `-o json`: a JSON array. Both as `calicoctl apply -f` takes them. The items are the resources. */
export async function renderMigrateResources(result: MigrateResult, format: OutputFormat | string): Promise<string> {
  const o = asOutput(format)
  if (o.name !== 'yaml') return renderView(o, {doc: result.resources, items: result.resources})
  const docs: string[] = []
  for (const r of result.resources) docs.push(await toYaml(r))
  return docs.map((d) => '---\n' + d).join('')
}

/** The report as one JSON document (--report FILE, docs/json-output.md). */
export function renderMigrateReportJson(result: MigrateResult): string {
  const {felixVersion, felix3Version, sources, readFrom, hostDirectories, items, local, refused, diff} = result
  const counts = {error: 0, warning: 0, info: 0}
  for (const i of items) counts[i.severity]++
  return toJson({
    felixVersion,
    felix3Version,
    sources,
    readFrom,
    hostDirectories,
    resources: result.resources.map((r) => ({kind: r.kind, name: r.metadata.name, fields: Object.keys(r.spec).length})),
    counts,
    refused,
    items,
    local,
    differences: diff ? diff.reduce((n, h) => n + h.differs, 0) : null,
  })
}

/** The report for stderr: one line per item, then the local settings and a summary. */
export function renderMigrateReport(result: MigrateResult, colour: boolean): string {
  const p = painter(colour)
  const lines: string[] = []
  const sev = {error: p.red('error'), warning: p.yellow('warning'), info: p.cyan('info')}
  for (const i of result.items) {
    lines.push(`${sev[i.severity]} ${i.code}: ${showMessage(i.message)}`)
    if (i.hint) lines.push(`  hint: ${showMessage(i.hint)}`)
  }
  if (result.local) {
    lines.push(result.local.length ? "this machine's env and file settings stay in the calico/node environment (Felix 3 still reads env and file first):" : "this machine's env and file set no Felix parameter")
    for (const l of result.local) lines.push(`  ${showField(l.variable)}=${showField(JSON.stringify(l.value))}${l.alsoInResources.length ? `   (also set by ${showField(l.alsoInResources.join(', '), 1024)})` : ''}`)
  }
  const counts = {error: 0, warning: 0, info: 0}
  for (const i of result.items) counts[i.severity]++
  const fc = result.resources.filter((r) => r.kind === 'FelixConfiguration').length
  lines.push(
    `${result.hostDirectories} host directories read; ${fc} FelixConfiguration and 1 ClusterInformation resource${result.refused ? ' NOT written' : ''}; ${counts.error} errors, ${counts.warning} warnings, ${counts.info} notes`,
  )
  if (result.refused) lines.push(p.red(`refused (exit 3): ${result.refused.join(', ')}`) + (result.refused.some((c) => ['die-on-fail-invalid', 'fatal-none', 'ambiguous-spelling'].includes(c)) ? '; --force leaves those values out' : ''))
  return terminalText(lines.join('\n') + '\n', colour)
}

// Values come from input: escaped and cut for text.
const show = (v: unknown) => (v === null || v === undefined ? '-' : showField(typeof v === 'string' ? v : JSON.stringify(v)))

/** `--diff`: JSON (all rows), or per host a table of the parameters whose value changes. */
export async function renderMigrateDiff(diff: HostDiff[], format: OutputFormat | string, colour: boolean): Promise<string> {
  const o = asOutput(format)
  if (o.name !== 'yaml' && o.name !== 'table') return renderView(o, {doc: {hosts: diff, differences: diff.reduce((n, h) => n + h.differs, 0)}, items: diff})
  const p = painter(colour)
  const out: string[] = []
  for (const h of diff) {
    const head = `${p.bold(escapeTerminal(JSON.stringify(h.host)))} -> ${showField(h.resource)}: ${h.fatal ? `Felix 2.0 would not start (${showMessage(h.fatal.message)}); ` : ''}${h.differs} parameter${h.differs === 1 ? '' : 's'} differ${h.differs === 1 ? 's' : ''}`
    out.push(head)
    const rows = h.rows.filter((r) => r.differs).map((r) => [r.param, `${show(r.felix2.value)} (${r.felix2.source})`, `${show(r.v3.value)} (${r.v3.source})`])
    if (rows.length) out.push(renderTable({head: ['PARAMETER', 'FELIX 2.0', 'V3'], rows, paint: p}).trimEnd())
  }
  return terminalText(out.join('\n') + '\n', colour)
}
