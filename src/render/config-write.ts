/** Renderers for `config set | unset`. */
import {ConfigWriteResult} from '../services/config-write.js'
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
      diagnostics: diagnosticsJson([], r.warnings),
      restart: r.restart,
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
  if (r.written) out += p.green(`written to ${showField(r.target, 1024)}${r.revision ? ` (revision ${r.revision})` : ''}`) + '\n'
  else if (r.dryRun) out += 'dry run: nothing written\n'
  return terminalText(out, colour)
}
