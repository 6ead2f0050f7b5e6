/**
 * Renderers for `config watch`: one event -> its text lines, or one JSON object on one line.
 * Pure; every key, value and host name from etcd is escaped in text output.
 */
import type {Impact, WatchEvent} from '../services/config-watch.js'
import {showField, showQuoted} from './escape.js'
import {GROUP_HOSTS_SHOWN} from './fleet.js'
import {painter} from './format.js'

/** The JSON line of one event (`-o json`: one object per line). */
export function watchEventJson(e: WatchEvent): string {
  return JSON.stringify(e) + '\n'
}

function rawText(v: string | null): string {
  return v === null ? '(none)' : showQuoted(v)
}

function hostList(hosts: readonly string[], wide: boolean): string {
  const shown = wide ? hosts : hosts.slice(0, GROUP_HOSTS_SHOWN)
  const more = hosts.length - shown.length
  return shown.map((h) => showField(h)).join(', ') + (more > 0 ? `, … ${more} more` : '')
}

/** One line: the counts of each group and its first hosts. */
export function impactText(impact: Impact, wide = false, colour = false): string {
  const p = painter(colour)
  const groups: [string, readonly string[], (s: string) => string][] = [
    ['stop', impact.stop, p.red],
    ['restart', impact.restart, p.yellow],
    ['recover', impact.recover, p.green],
  ]
  const parts: string[] = []
  for (const [name, hosts, paint] of groups) if (hosts.length) parts.push(`${paint(`${name} ${hosts.length}`)} (${hostList(hosts, wide)})`)
  if (impact.valueChanged.length) parts.push(`value changed on ${impact.valueChanged.length}`)
  const scope = `${impact.hosts} host${impact.hosts === 1 ? '' : 's'}${impact.localLayers === 'hidden' ? '' : ", this machine's env and file applied"}`
  if (!parts.length) return `impact on ${scope}: none`
  return `impact on ${scope}: ${parts.join('; ')}; unaffected ${impact.unaffected}`
}

const CHANGES_SHOWN = 20

/** The text lines of one event. */
export function renderWatchEvent(e: WatchEvent, format: string, colour = false): string {
  if (format === 'json') return watchEventJson(e)
  const wide = format === 'wide'
  const p = painter(colour)
  switch (e.type) {
    case 'start':
      return (
        `Watching ${e.datastore} at ${e.endpoints.map((x) => showField(x)).join(', ')} from ${e.datastore === 'etcdv2' ? 'index' : 'revision'} ${e.revision}: ` +
        `${e.keys} config key${e.keys === 1 ? '' : 's'}, ${e.hosts} host director${e.hosts === 1 ? 'y' : 'ies'}. Ctrl-C ends.\n` +
        `${p.dim(e.note)}\n`
      )
    case 'change':
      return `${p.bold(`#${e.revision}`)} ${e.action} ${showField(e.key)}: ${rawText(e.old)} → ${rawText(e.new)}\n    ${impactText(e.impact, wide, colour)}\n`
    case 'resync': {
      const shown = wide ? e.changes : e.changes.slice(0, CHANGES_SHOWN)
      const lines = [
        `${p.bold(`#${e.revision}`)} ${p.yellow('re-read')}: ${showField(e.message)}; ${e.changes.length} key${e.changes.length === 1 ? '' : 's'} changed while the history was lost`,
        ...shown.map((c) => `    ${showField(c.key)}: ${rawText(c.old)} → ${rawText(c.new)}`),
      ]
      if (shown.length < e.changes.length) lines.push(`    … ${e.changes.length - shown.length} more (-o wide lists them all)`)
      lines.push(`    ${impactText(e.impact, wide, colour)}`)
      return lines.join('\n') + '\n'
    }
  }
}
