/** Renderers for `datastore status | export`. */
import {DatastoreExportResult, DatastoreStatusResult} from '../services/datastore.js'
import {showMessage, terminalText} from './config.js'
import {showField, showQuoted} from './escape.js'
import {painter, renderKeyValues, toJson, toYaml} from './format.js'

export async function renderDatastoreStatus(r: DatastoreStatusResult, format: string, colour = false): Promise<string> {
  if (format === 'json') return toJson(r)
  if (format === 'yaml') return toYaml(r)
  const p = painter(colour)
  const pairs: [string, string][] = [
    ['Type', r.type],
    ['Endpoints', showField(r.endpoints.join(', '), 1024) || '(none)'],
    ['API', r.apiVersion],
    ['Reachable', r.reachable ? p.green('yes') + ` (${r.elapsedMs} ms)` : p.red('no') + (r.error ? ` — ${showMessage(r.error)}` : '')],
  ]
  if (r.reachable) {
    pairs.push(
      ['Ready', r.ready === null ? '(missing)' : showQuoted(r.ready)],
      ['Global keys', String(r.globalKeys)],
      ['Hosts with config', String(r.hostsWithConfig)],
      ['Per-host keys', String(r.hostKeys)],
    )
    if (r.revision) pairs.push(['Revision', r.revision])
  }
  let out = renderKeyValues(pairs, p)
  if (r.readyProblem) out += p.yellow(`warning: ${showMessage(r.readyProblem)}`) + '\n'
  return terminalText(out, colour)
}

export async function renderDatastoreExport(r: DatastoreExportResult, format: string): Promise<string> {
  return format === 'yaml' ? toYaml(r.snapshot) : toJson(r.snapshot)
}
