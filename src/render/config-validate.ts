/** Renderer for `config validate`. */
import {ConfigValidateResult} from '../services/config-validate.js'
import {formatOrigin, hostDirectoryJson} from './config.js'
import {painter, toJson, toYaml} from './format.js'

export async function renderConfigValidate(r: ConfigValidateResult, format: string, colour = false): Promise<string> {
  if (format === 'json' || format === 'yaml') {
    const doc = {felixVersion: r.felixVersion, hosts: r.hosts, hostDirectory: r.hostSelection ? hostDirectoryJson(r.hostSelection) : null, fatal: r.fatal, ok: r.exitCode === 0, counts: r.counts, problems: r.problems}
    return format === 'json' ? toJson(doc) : toYaml(doc)
  }
  const p = painter(colour)
  let out = r.hostSelection?.note ? `Host directory: ${r.hostSelection.note}\n\n` : ''
  for (const x of r.problems) {
    const sev = x.severity === 'error' ? p.red('error') : x.severity === 'warning' ? p.yellow('warning') : 'info'
    const where = [x.host ? `host ${x.host}` : null, x.param, x.layer, x.origin ? formatOrigin(x.origin) : null].filter(Boolean).join(', ')
    const host = x.host ? `[host ${x.host}] ` : ''
    out += `${sev} [${x.code}] ${host}${x.message}${format === 'wide' && where ? `\n    at: ${where}` : ''}${x.hint ? `\n    fix: ${x.hint}` : ''}\n`
  }
  const scope = r.hosts.length === 1 ? `host ${r.hosts[0]}` : `${r.hosts.length} host directories`
  out += `${r.problems.length ? '\n' : ''}${r.counts.error} error(s), ${r.counts.warning} warning(s), ${r.counts.info} note(s) for ${scope}: `
  out += r.exitCode === 0 ? p.green('OK') + (r.counts.warning ? ' (warnings do not fail without --strict)' : '') : p.red('FAILED')
  return out + '\n'
}
