/** Renderer for `config validate`. */
import {ConfigValidateResult} from '../services/config-validate.js'
import {diagnosticsJson, formatOrigin, hostDirectoryJson, showMessage, stoppedLine, terminalText} from './config.js'
import {showField} from './escape.js'
import {painter, toJson, toYaml} from './format.js'

export async function renderConfigValidate(r: ConfigValidateResult, format: string, colour = false): Promise<string> {
  if (format === 'json' || format === 'yaml') {
    const doc = {felixVersion: r.felixVersion, hosts: r.hosts, stopped: r.stopped, hostDirectory: r.hostSelection ? hostDirectoryJson(r.hostSelection) : null, fatal: r.fatal, ok: r.exitCode === 0, status: r.status, counts: r.counts, problems: r.problems, diagnostics: diagnosticsJson([], r.warnings)}
    return format === 'json' ? toJson(doc) : toYaml(doc)
  }
  const p = painter(colour)
  let out = r.hostSelection?.note ? `Host directory: ${showMessage(r.hostSelection.note)}\n\n` : ''
  for (const x of r.problems) {
    const sev = x.severity === 'error' ? p.red('error') : x.severity === 'warning' ? p.yellow('warning') : 'info'
    const where = [x.host ? `host ${showField(x.host)}` : null, x.param, x.layer, x.origin ? formatOrigin(x.origin) : null].filter(Boolean).join(', ')
    const host = x.host ? `[host ${showField(x.host)}] ` : ''
    out += `${sev} [${x.code}] ${host}${showMessage(x.message)}${format === 'wide' && where ? `\n    at: ${where}` : ''}${x.hint ? `\n    fix: ${showMessage(x.hint)}` : ''}\n`
  }
  if (r.stopped.length) out += `${r.problems.length ? '\n' : ''}${stoppedLine(r.stopped, r.hosts.length)}\n`
  const scope = r.hosts.length === 1 ? `host ${showField(r.hosts[0])}` : `${r.hosts.length} host directories`
  out += `${r.problems.length ? '\n' : ''}${r.counts.error} error(s), ${r.counts.warning} warning(s), ${r.counts.info} note(s) for ${scope}: `
  if (r.status === 'not-checked') out += p.red('NOT CHECKED') + ' (the etcd layers could not be read)'
  else out += r.exitCode === 0 ? p.green('OK') + (r.counts.warning ? ' (warnings do not fail without --strict)' : '') : p.red('FAILED')
  return terminalText(out + '\n', colour)
}
