/** Renderer for `felixctl doctor`. */
import {DoctorResult} from '../services/doctor.js'
import {renderProcessHeader, showMessage, terminalText} from './config.js'
import {painter} from './format.js'
import {OutputFormat, asOutput, isDocumentFormat, renderView} from './output.js'

/** The JSON document of `doctor`: the parts' own documents merged. */
export function doctorJson(r: DoctorResult) {
  return {host: r.host, ...(r.process ? {process: r.process} : {}), exitCode: r.exitCode, findings: r.findings, ...Object.fromEntries(r.parts.map((p) => [p.name, {exitCode: p.exitCode, skipped: p.skipped, result: p.result}]))}
}

/** `doctor`: the items are the findings. */
export async function renderDoctor(r: DoctorResult, format: OutputFormat | string, colour = false): Promise<string> {
  const o = asOutput(format)
  if (isDocumentFormat(o)) return renderView(o, () => ({doc: doctorJson(r), items: r.findings}))
  const p = painter(colour)
  let out = r.process ? renderProcessHeader(r.process) : ''
  for (const part of r.parts) {
    const mark = part.skipped ? p.dim('skipped') : part.exitCode === 0 ? p.green('ok') : p.red(`exit ${part.exitCode}`)
    out += `${p.bold(part.name.padEnd(10))} ${mark}${part.skipped ? ` — ${part.skipped}` : ''}\n`
    for (const f of r.findings.filter((x) => x.part === part.name && x.severity !== 'info')) {
      const sev = f.severity === 'error' ? p.red('error') : p.yellow('warning')
      out += `  ${sev} [${f.code}] ${showMessage(f.message)}\n`
      if (f.fix) out += `    fix: ${showMessage(f.fix)}\n`
    }
  }
  out += `\n${r.exitCode === 0 ? p.green('All checks passed.') : p.red(`Problems found (exit ${r.exitCode}).`)}\n`
  return terminalText(out, colour)
}
