/** Renderers for `datastore status | export`. */
import {DatastoreExportResult, DatastoreStatusResult} from '../services/datastore.js'
import type {ConnectionOrigin} from '../datastore/calicoctl-settings.js'
import {showMessage, terminalText} from './config.js'
import {showField, showQuoted} from './escape.js'
import {painter, renderKeyValues, toJson, toYaml} from './format.js'

/** One line per part, for text output: `--etcd-endpoints`, `env FELIX_ETCDENDPOINTS`, `/etc/calico/calicoctl.cfg spec.etcdEndpoints`. */
function describeConnectionOrigin(o: ConnectionOrigin): string {
  switch (o.source) {
    case 'flag':
      return `flag ${o.name}`
    case 'felixctl-env':
    case 'calicoctl-env':
      return `env ${o.name}`
    case 'felix':
      return o.path ? `${o.name} in ${o.path}${o.line ? `:${o.line}` : ''}` : `env ${o.name}`
    case 'calicoctl-file':
      return `${o.path} ${o.name}`
    case 'default':
      return o.name ? `default (${o.name})` : 'default'
  }
}

export async function renderDatastoreStatus(r: DatastoreStatusResult, format: string, colour = false): Promise<string> {
  if (format === 'json') return toJson(r)
  if (format === 'yaml') return toYaml(r)
  const p = painter(colour)
  const pairs: [string, string][] = [
    ['Type', r.type],
    ['Endpoints', showField(r.endpoints.join(', '), 1024) || '(none)'],
    ['API', r.apiVersion],
  ]
  if (r.connection) {
    const c = r.connection
    const part = (label: string, s: typeof c.caFile) => [label, s && s.value ? `${showField(s.value, 1024)} (from ${showField(describeConnectionOrigin(s.origin), 1024)})` : '(none)'] as [string, string]
    pairs.push(['Endpoints from', showField(describeConnectionOrigin(c.endpoints.origin), 1024)], part('CA file', c.caFile), part('Client cert', c.certFile), part('Client key', c.keyFile))
  }
  pairs.push(
    ['Reachable', r.reachable ? p.green('yes') + ` (${r.elapsedMs} ms)` : p.red('no') + (r.error ? ` — ${showMessage(r.error)}` : '')],
  )
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
  for (const note of r.notes) out += `note: ${showMessage(note)}\n`
  return terminalText(out, colour)
}

export async function renderDatastoreExport(r: DatastoreExportResult, format: string): Promise<string> {
  return format === 'yaml' ? toYaml(r.snapshot) : toJson(r.snapshot)
}
