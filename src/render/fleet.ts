/** Renderers for the fleet views (`config list|get --all-hosts`, `config diff`): pure (result, format) -> string. */
import {Diagnostic} from '../resolve/types.js'
import type {FleetCell, FleetDiffResult, FleetGetResult, FleetListResult, FleetReadFrom} from '../services/config-fleet.js'
import {formatFatal, formatOrigin, formatValue} from './config.js'
import {TypedValue} from '../params/types.js'
import {jsonReplacer, painter, renderTable, toYaml} from './format.js'

/** Hosts listed per group in table form (wide lists them all). */
export const GROUP_HOSTS_SHOWN = 5

function readFromJson(d: FleetReadFrom) {
  return {kind: d.kind, endpoints: d.endpoints, ready: d.ready, revision: d.revision ?? null}
}

/**
 * A typed value as the JSON contract writes it (non-finite and unsafe numbers as strings).
 * Applied to the values up front so that the document is serialised without a replacer
 * function: a replacer is called for every member, which at 10,000 hosts costs more than
 * the rest of the serialisation.
 */
export function jsonTyped(v: TypedValue): unknown {
  if (typeof v === 'number') return jsonReplacer('', v)
  if (Array.isArray(v)) return (v as unknown[]).map((x) => jsonReplacer('', x))
  return v
}

function cellJson(c: FleetCell) {
  return {name: c.name, value: jsonTyped(c.value), raw: c.raw, source: c.source, origin: c.origin}
}

function diagnosticJson(d: Diagnostic) {
  return {severity: d.severity, code: d.code, param: d.param, layer: d.layer, origin: d.origin, message: d.message, hint: d.hint}
}

/** Every typed value in these documents went through jsonTyped: plain JSON.stringify is exact. */
const doc = async (value: unknown, format: string) => (format === 'yaml' ? toYaml(value) : JSON.stringify(value, null, 2) + '\n')

// ---------------------------------------------------------------- list

function hostJson(h: FleetListResult['hosts'][number]) {
  return {
    host: h.host,
    fatal: h.fatal,
    params: h.cells.map((c) => ({...cellJson(c), global: jsonTyped(c.global)})),
    diagnostics: h.diagnostics.map(diagnosticJson),
  }
}

/** The `config list --all-hosts -o json` document (`hosts` is its last member). */
export function fleetListJson(res: FleetListResult) {
  return {
    felixVersion: res.felixVersion,
    readFrom: readFromJson(res.readFrom),
    localLayers: res.localLayers,
    note: res.note,
    all: res.all,
    params: res.params,
    global: {fatal: res.global.fatal, params: res.global.cells.map(cellJson), diagnostics: res.global.diagnostics.map(diagnosticJson)},
    hosts: res.hosts.map(hostJson),
  }
}

/**
 * `config list --all-hosts -o json` in pieces: the same text as
 * JSON.stringify(fleetListJson(res), null, 2) + "\n", joined. The command writes each piece
 * as it comes (stdout to a file or pipe is synchronous on Linux), so the document for
 * 10,000 hosts never exists whole, as objects or as one string: that is most of the peak memory.
 */
export function* fleetListJsonChunks(res: FleetListResult, hostsPerChunk = 500): Generator<string> {
  const head = JSON.stringify(fleetListJson({...res, hosts: []}), null, 2)
  const tail = '"hosts": []\n}'
  if (res.hosts.length === 0 || !head.endsWith(tail)) {
    yield JSON.stringify(fleetListJson(res), null, 2) + '\n'
    return
  }
  yield head.slice(0, -tail.length) + '"hosts": ['
  for (let i = 0; i < res.hosts.length; i += hostsPerChunk) {
    const slice = JSON.stringify(res.hosts.slice(i, i + hostsPerChunk).map(hostJson), null, 2)
    // "[\n  {...}\n]" one level deeper, without its brackets.
    yield (i === 0 ? '\n  ' : ',\n  ') + slice.slice(2, -2).replace(/\n/g, '\n  ')
  }
  yield '\n  ]\n}\n'
}

export async function renderFleetList(res: FleetListResult, format: string, colour = false): Promise<string> {
  if (format === 'json' || format === 'yaml') return doc(fleetListJson(res), format)
  const p = painter(colour)
  const wide = format === 'wide'
  const shown = res.all ? res.hosts : res.hosts.filter((h) => h.cells.length || h.fatal)
  // Columns: the parameters that differ somewhere (every compared one with --all).
  const used = new Set<string>()
  for (const h of shown) for (const c of h.cells) used.add(c.name)
  const columns = res.params.filter((n) => used.has(n))
  const globalByName = new Map(res.global.cells.map((c) => [c.name, c]))
  let out = ''
  if (columns.length) {
    const cell = (c: FleetCell | undefined) => (c === undefined ? p.dim('-') : formatValue(c.value) + (wide || c.source !== 'host' ? p.dim(` (${c.source})`) : ''))
    const rows = [
      [p.bold('(global)'), ...columns.map((n) => {
        const g = globalByName.get(n)!
        return formatValue(g.value) + (wide ? p.dim(` (${g.source})`) : '')
      })],
      ...shown.map((h) => {
        const byName = new Map(h.cells.map((c) => [c.name, c]))
        return [h.host + (h.fatal ? p.red(' (fatal)') : ''), ...columns.map((n) => cell(byName.get(n)))]
      }),
    ]
    out += renderTable({head: ['HOST', ...columns], rows, paint: p})
  } else out += 'No host directory makes any parameter differ from its global value.\n'
  const differing = res.hosts.filter((h) => h.cells.length).length
  out += `\n${res.hosts.length} host directories; ${res.all ? `all ${res.params.length} parameters shown` : `${differing} differ from the global value in at least one parameter ("-": same as global; ${res.hosts.length - shown.length} with no difference not shown)`}\n`
  out += `note: ${res.note}\n`
  const fatal = res.hosts.filter((h) => h.fatal)
  if (res.global.fatal) out += p.red(`global: ${formatFatal(res.global.fatal)}`) + '\n'
  for (const h of fatal) out += p.red(`${h.host}: ${formatFatal(h.fatal!)}`) + '\n'
  return out
}

// ---------------------------------------------------------------- get --all-hosts

export function fleetGetJson(res: FleetGetResult) {
  return {
    name: res.name,
    felixVersion: res.felixVersion,
    readFrom: readFromJson(res.readFrom),
    localLayers: res.localLayers,
    note: res.note,
    global: {...cellJson(res.global), fatal: res.global.fatal},
    hostCount: res.hostCount,
    groups: res.groups.map((g) => ({value: jsonTyped(g.value), raws: g.raws, count: g.count, sources: g.sources, hosts: g.hosts})),
    fatal: res.fatal,
  }
}

export async function renderFleetGet(res: FleetGetResult, format: string, colour = false): Promise<string> {
  if (format === 'json' || format === 'yaml') return doc(fleetGetJson(res), format)
  const p = painter(colour)
  const wide = format === 'wide'
  let out = `${p.bold(res.name)}: global value ${formatValue(res.global.value)} (${res.global.source}${res.global.source === 'default' ? '' : ', ' + formatOrigin(res.global.origin)})\n\n`
  const hostList = (hosts: string[]) =>
    wide || hosts.length <= GROUP_HOSTS_SHOWN ? hosts.join(', ') : `${hosts.slice(0, GROUP_HOSTS_SHOWN).join(', ')}, … (${hosts.length - GROUP_HOSTS_SHOWN} more)`
  out += renderTable({
    head: wide ? ['VALUE', 'HOSTS', 'SOURCES', 'RAW', 'HOST DIRECTORIES'] : ['VALUE', 'HOSTS', 'SOURCES', 'HOST DIRECTORIES'],
    paint: p,
    rows: res.groups.map((g) => {
      const sources = Object.entries(g.sources).map(([s, n]) => `${s}:${n}`).join(' ')
      return wide ? [formatValue(g.value), g.count, sources, g.raws.map((r) => JSON.stringify(r)).join(' '), hostList(g.hosts)] : [formatValue(g.value), g.count, sources, hostList(g.hosts)]
    }),
  })
  out += `\n${res.hostCount} host directories\nnote: ${res.note}\n`
  if (res.global.fatal) out += p.red(`global: ${formatFatal(res.global.fatal)}`) + '\n'
  for (const f of res.fatal) out += p.red(`${f.host}: ${formatFatal(f.fatal)}`) + '\n'
  return out
}

// ---------------------------------------------------------------- diff

export function fleetDiffJson(res: FleetDiffResult) {
  return {
    felixVersion: res.felixVersion,
    readFrom: readFromJson(res.readFrom),
    localLayers: res.localLayers,
    note: res.note,
    a: {host: res.a.host, fatal: res.a.fatal, diagnostics: res.a.diagnostics.map(diagnosticJson)},
    b: {host: res.b.host, fatal: res.b.fatal, diagnostics: res.b.diagnostics.map(diagnosticJson)},
    differences: res.differences.map((d) => ({name: d.name, valueDiffers: d.valueDiffers, a: cellJson(d.a), b: cellJson(d.b)})),
  }
}

export async function renderFleetDiff(res: FleetDiffResult, format: string, colour = false): Promise<string> {
  if (format === 'json' || format === 'yaml') return doc(fleetDiffJson(res), format)
  const p = painter(colour)
  const wide = format === 'wide'
  const nameA = res.a.host!
  const nameB = res.b.host ?? '(global)'
  let out = ''
  if (res.differences.length === 0) out += `No differences between ${nameA} and ${nameB}.\n`
  else {
    const side = (c: FleetCell) => (wide ? [formatValue(c.value), c.source, formatOrigin(c.origin)] : [formatValue(c.value), c.source])
    const head = wide
      ? ['PARAMETER', nameA, 'SOURCE', 'ORIGIN', nameB, 'SOURCE', 'ORIGIN']
      : ['PARAMETER', nameA, 'SOURCE', nameB, 'SOURCE']
    out += renderTable({
      head,
      paint: p,
      rows: res.differences.map((d) => [d.name + (d.valueDiffers ? '' : p.dim(' (same value)')), ...side(d.a), ...side(d.b)]),
    })
  }
  out += `note: ${res.note}\n`
  for (const s of [res.a, res.b]) if (s.fatal) out += p.red(`${s.host ?? '(global)'}: ${formatFatal(s.fatal)}`) + '\n'
  return out
}
