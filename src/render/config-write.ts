/** Renderers for `config set | unset`. */
import type {ConfigWriteResult, WriteRefusal} from '../services/config-write.js'
import type {Impact} from '../services/impact.js'
import {diagnosticsJson, formatValue, showMessage, terminalText} from './config.js'
import {showField} from './escape.js'
import {painter} from './format.js'
import {OutputFormat, asOutput, isDocumentFormat, renderView} from './output.js'

/** `config set|unset`: one document, its own item; -o value prints the effective value after. */
export async function renderConfigWrite(r: ConfigWriteResult, format: OutputFormat | string, colour = false): Promise<string> {
  const o = asOutput(format)
  if (isDocumentFormat(o)) {
    const doc = {
      op: r.op,
      param: r.param,
      known: r.known,
      layer: r.layer,
      target: r.target,
      value: r.value,
      previous: r.previous,
      changed: r.changed,
      written: r.written,
      dryRun: r.dryRun,
      revision: r.revision ?? null,
      before: r.before,
      after: r.after,
      actions: r.actions,
      diff: r.diff,
      warnings: r.warnings,
      // A refused --dry-run: the error the command ends with (exit 3), as a diagnostic of severity error.
      diagnostics: [...diagnosticsJson([], r.warnings), ...(r.refusal ? [refusalDiagnostic(r.refusal)] : [])],
      impact: r.impact,
      newHost: r.newHost,
    }
    return renderView(o, {doc, items: [doc], values: [r.after.value]})
  }
  const p = painter(colour)
  let out = ''
  // The diff is lines of the file as it is and will be: its newlines stay, everything else is escaped.
  if (r.dryRun && r.diff) out += r.diff + (r.diff.endsWith('\n') ? '' : '\n')
  if (r.dryRun && r.actions.length) out += 'would do:\n' + r.actions.map((a) => `  ${showMessage(a)}\n`).join('')
  else for (const a of r.actions) out += `${showMessage(a)}\n`
  if (!r.changed) out += r.op === 'unset' ? `nothing to remove: ${r.layer === 'global' || r.layer === 'host' ? `${showField(r.target, 1024)} does not exist` : `${showField(r.param)} is not set in ${showField(r.target, 1024)}`}\n` : `nothing to change: ${showField(r.target, 1024)} already has it\n`
  const fmt = (v: {value: unknown; source: string; fatal: {stage: string} | null}) =>
    `${formatValue(v.value as never)} (from ${v.source})${v.fatal ? ` — but Felix would not start (stage ${v.fatal.stage})` : ''}`
  const label = r.dryRun ? 'would be' : 'after'
  const width = Math.max('before'.length, label.length)
  const param = showField(r.param)
  out += `${param} ${'before:'.padEnd(width + 1)} ${fmt(r.before)}\n`
  out += `${param} ${`${label}:`.padEnd(width + 1)} ${fmt(r.after)}\n`
  if (r.impact) out += renderImpactText(r.impact, r.dryRun || !r.written ? 'would' : 'did')
  if (r.written) out += p.green(`written to ${showField(r.target, 1024)}${r.revision ? ` (revision ${r.revision})` : ''}`) + '\n'
  else if (r.dryRun) out += r.refusal ? `dry run: nothing written; the write would be refused (${showField(r.refusal.code)}: see the error)\n` : 'dry run: nothing written\n'
  return terminalText(out, colour)
}

/** The refusal of a --dry-run in the shape of every diagnostic (docs/json-output.md). */
function refusalDiagnostic(f: WriteRefusal) {
  return {severity: 'error' as const, code: f.code, param: f.param, layer: f.layer, origin: null, message: f.message, hint: f.hint}
}

/** How many hosts the first lines of each impact group name. */
const FIRST_HOSTS = 5

function firstHosts(hosts: readonly string[]): string {
  const shown = hosts.slice(0, FIRST_HOSTS).map((h) => showField(h)).join(', ')
  return hosts.length > FIRST_HOSTS ? `${shown}, … (${hosts.length - FIRST_HOSTS} more)` : shown
}

/** The local layers the impact was evaluated with, in words. */
export function impactLayersText(i: Impact): string {
  return i.localLayers === 'this-machine'
    ? "this machine's env and config file, applied to every host (--with-local)"
    : "not visible for remote hosts: evaluated from etcd alone (--with-local applies this machine's)"
}

/** The counts, short (the TTY confirmation, after the block of renderImpactText). */
export function impactCounts(i: Impact): string {
  return `Felix: ${i.restart.length} restart, ${i.stop.length} stop, ${i.recover.length} recover, of ${i.hosts} hosts`
}

/** The impact block of the text output: counts, then the first hosts of each group. */
export function renderImpactText(i: Impact, mood: 'would' | 'did' = 'would'): string {
  const rows: [string, readonly string[] | number][] = [
    ['restart', i.restart],
    ['  value changes', i.valueChanged],
    ['stop', i.stop],
    ['recover', i.recover],
    ['unaffected', i.unaffected],
  ]
  let out = `impact on ${i.hosts} host director${i.hosts === 1 ? 'y' : 'ies'} under /calico/v1/host/ (${mood === 'would' ? 'what Felix would do' : 'what Felix does'}; docs/felix-restarts.md):\n`
  const width = Math.max(...rows.map(([k]) => k.length))
  const countWidth = String(i.hosts).length
  for (const [label, v] of rows) {
    const n = typeof v === 'number' ? v : v.length
    out += `  ${label.padEnd(width)}  ${String(n).padStart(countWidth)}${typeof v !== 'number' && n ? `  ${firstHosts(v)}` : ''}\n`
  }
  out += `  env and file layers: ${impactLayersText(i)}\n`
  return out
}
