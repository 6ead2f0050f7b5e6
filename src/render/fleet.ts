/** Renderers for the fleet views (`config list|get --all-hosts`, `config diff`): pure (result, format) -> string. */
import type {FleetCell, FleetDiffResult, FleetGetResult, FleetListResult, FleetReadFrom, OwnSetting} from '../services/config-fleet.js'
import {diagnosticJson, diagnosticsJson, formatFatal, formatOrigin, formatValue, stoppedLine, terminalText} from './config.js'
import {showField, showQuoted} from './escape.js'
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

/** A directory's own keys as JSON: {key as spelt: raw}; null when not reported (Felix starts). */
function ownJson(own: OwnSetting[] | null): Record<string, string> | null {
  if (!own) return null
  const out: Record<string, string> = {}
  for (const o of own) out[o.key] = o.raw
  return out
}

/** A raw value held by the directory of a host whose Felix would not start: `!0x1` (quoted when empty or spaced). */
export const OWN_MARK = '!'
export function formatOwn(raws: readonly string[]): string {
  return raws.map((r) => OWN_MARK + (r === '' || /\s|"/.test(r) ? showQuoted(r) : showField(r))).join(' ')
}

function ownByName(own: OwnSetting[] | null): Map<string, string[]> {
  const m = new Map<string, string[]>()
  for (const o of own ?? []) {
    const l = m.get(o.name)
    if (l) l.push(o.raw)
    else m.set(o.name, [o.raw])
  }
  return m
}

const OWN_LEGEND = `${OWN_MARK}VALUE: the raw value a directory holds where Felix is stopped (after the failure Felix reports the values of its last successful pass, not these)`

/** Every typed value in these documents went through jsonTyped: plain JSON.stringify is exact. */
const doc = async (value: unknown, format: string) => (format === 'yaml' ? toYaml(value) : JSON.stringify(value, null, 2) + '\n')

// ---------------------------------------------------------------- list

function hostJson(h: FleetListResult['hosts'][number]) {
  return {
    host: h.host,
    fatal: h.fatal,
    params: h.cells.map((c) => ({...cellJson(c), global: jsonTyped(c.global)})),
    diagnostics: h.diagnostics.map(diagnosticJson),
    own: ownJson(h.own),
  }
}

/** The `config list --all-hosts -o json` document (`hosts` is its last member). */
export function fleetListJson(res: FleetListResult, stopped = res.hosts.filter((h) => h.fatal).map((h) => h.host)) {
  return {
    felixVersion: res.felixVersion,
    readFrom: readFromJson(res.readFrom),
    localLayers: res.localLayers,
    note: res.note,
    all: res.all,
    params: res.params,
    global: {fatal: res.global.fatal, params: res.global.cells.map(cellJson), diagnostics: res.global.diagnostics.map(diagnosticJson), own: ownJson(res.global.own)},
    // What the command writes to stderr (each host's own diagnostics are in its entry).
    diagnostics: diagnosticsJson([], res.warnings),
    // The host directories whose Felix is stopped (stuck in configuration), as in config validate.
    stopped,
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
  const head = JSON.stringify(fleetListJson({...res, hosts: []}, res.hosts.filter((h) => h.fatal).map((h) => h.host)), null, 2)
  const tail = '"hosts": []\n}'
  if (res.hosts.length === 0 || !head.endsWith(tail)) {
    yield JSON.stringify(fleetListJson(res), null, 2) + '\n'
    return
  }
  yield head.slice(0, -tail.length) + '"hosts": ['
  for (let i = 0; i < res.hosts.length; i += hostsPerChunk) {
    let piece = ''
    const end = Math.min(res.hosts.length, i + hostsPerChunk)
    // Each host one level inside "hosts": [ ... ], i.e. at four spaces.
    for (let j = i; j < end; j++) piece += (j === 0 ? '\n    ' : ',\n    ') + hostJsonText(res.hosts[j], '    ')
    yield piece
  }
  yield '\n  ]\n}\n'
}

/** JSON.stringify(value, null, 2) for a value that starts at indentation `pad` (exact: no string holds a raw newline). */
function stringifyAt(value: unknown, pad: string): string {
  const text = JSON.stringify(value, null, 2)
  return pad === '' || text.indexOf('\n') === -1 ? text : text.replace(/\n/g, '\n' + pad)
}

/** A JSON scalar as JSON.stringify writes it, or null when it is not one (an array, an object, undefined). */
function scalarText(v: unknown): string | null {
  if (typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null'
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (v === null) return 'null'
  return null
}

/**
 * One host of the `config list --all-hosts -o json` document: the same text as
 * stringifyAt(hostJson(h), pad), written directly for the common shapes (a string per
 * member, etcd and default origins) and through JSON.stringify for anything else. At
 * 10,000 hosts this costs a fraction of building the objects and stringifying them, and
 * makes far less garbage; test/integration/fleet-eval.test.ts checks it against JSON.stringify.
 */
export function hostJsonText(h: FleetListResult['hosts'][number], pad: string): string {
  const m = pad + '  '
  let out = '{\n' + m + '"host": ' + JSON.stringify(h.host) + ',\n' + m + '"fatal": ' + stringifyAt(h.fatal, m) + ',\n' + m + '"params": '
  if (h.cells.length === 0) out += '[]'
  else {
    const cm = m + '  '
    out += '['
    for (let i = 0; i < h.cells.length; i++) out += (i ? ',\n' : '\n') + cm + cellJsonText(h.cells[i], cm)
    out += '\n' + m + ']'
  }
  out += ',\n' + m + '"diagnostics": ' + (h.diagnostics.length ? stringifyAt(h.diagnostics.map(diagnosticJson), m) : '[]')
  out += ',\n' + m + '"own": ' + stringifyAt(ownJson(h.own), m)
  return out + '\n' + pad + '}'
}

function cellJsonText(c: FleetListResult['hosts'][number]['cells'][number], pad: string): string {
  const value = scalarText(jsonTyped(c.value))
  const global = scalarText(jsonTyped(c.global))
  const origin = originText(c.origin, pad + '  ')
  if (value === null || global === null || origin === null || typeof c.raw !== 'string' || typeof c.source !== 'string') {
    return stringifyAt({...cellJson(c), global: jsonTyped(c.global)}, pad)
  }
  const m = pad + '  '
  return '{\n' + m + '"name": ' + JSON.stringify(c.name) + ',\n' + m + '"value": ' + value + ',\n' + m + '"raw": ' + JSON.stringify(c.raw) + ',\n' + m + '"source": ' + JSON.stringify(c.source) +
    ',\n' + m + '"origin": ' + origin + ',\n' + m + '"global": ' + global + '\n' + pad + '}'
}

/** An etcd or default origin, written directly; null for any other shape. */
function originText(o: FleetCell['origin'], pad: string): string | null {
  const keys = Object.keys(o)
  if (o.type === 'etcd' && keys.length === 2 && keys[0] === 'type' && keys[1] === 'key' && typeof o.key === 'string') {
    return '{\n' + pad + '  "type": "etcd",\n' + pad + '  "key": ' + JSON.stringify(o.key) + '\n' + pad + '}'
  }
  if (o.type === 'default' && keys.length === 1) return '{\n' + pad + '  "type": "default"\n' + pad + '}'
  return null
}

export async function renderFleetList(res: FleetListResult, format: string, colour = false): Promise<string> {
  if (format === 'json' || format === 'yaml') return doc(fleetListJson(res), format)
  const p = painter(colour)
  const wide = format === 'wide'
  const shown = res.all ? res.hosts : res.hosts.filter((h) => h.cells.length || h.fatal)
  // Columns: the parameters that differ somewhere (every compared one with --all), and those a
  // directory sets where Felix would not start.
  const used = new Set<string>()
  for (const h of shown) {
    for (const c of h.cells) used.add(c.name)
    for (const o of h.own ?? []) used.add(o.name)
  }
  // A fatal global layer: its fatal parameter too (the rest of what it holds is in the JSON).
  const globalFatalParam = res.global.fatal?.param
  if (globalFatalParam && res.global.own?.some((o) => o.name === globalFatalParam)) used.add(globalFatalParam)
  const columns = res.params.filter((n) => used.has(n))
  const globalByName = new Map(res.global.cells.map((c) => [c.name, c]))
  const globalOwn = ownByName(res.global.own)
  let marked = false
  const ownCell = (raws: string[]) => {
    marked = true
    return p.red(formatOwn(raws))
  }
  let out = ''
  if (columns.length) {
    const cell = (c: FleetCell | undefined) => (c === undefined ? p.dim('-') : formatValue(c.value) + (wide || c.source !== 'host' ? p.dim(` (${c.source})`) : ''))
    const rows = [
      [p.bold('(global)') + (res.global.fatal ? p.red(' (stopped)') : ''), ...columns.map((n) => {
        const own = globalOwn.get(n)
        if (own) return ownCell(own)
        const g = globalByName.get(n)!
        return formatValue(g.value) + (wide ? p.dim(` (${g.source})`) : '')
      })],
      ...shown.map((h) => {
        const byName = new Map(h.cells.map((c) => [c.name, c]))
        const own = ownByName(h.own)
        return [showField(h.host) + (h.fatal ? p.red(' (stopped)') : ''), ...columns.map((n) => {
          const o = own.get(n)
          return o ? ownCell(o) : cell(byName.get(n))
        })]
      }),
    ]
    out += renderTable({head: ['HOST', ...columns], rows, paint: p})
  } else out += 'No host directory makes any parameter differ from its global value.\n'
  const differing = res.hosts.filter((h) => h.cells.length).length
  const fatal = res.hosts.filter((h) => h.fatal)
  out += `\n${res.hosts.length} host directories; ${res.all ? `all ${res.params.length} parameters shown` : `${differing} differ from the global value in at least one parameter ("-": same as global; ${res.hosts.length - shown.length} with no difference not shown)`}`
  out += '\n'
  if (fatal.length) out += p.red(stoppedLine(fatal.map((h) => h.host), res.hosts.length)) + '\n'
  if (marked) out += `${OWN_LEGEND}\n`
  out += `note: ${res.note}\n`
  if (res.global.fatal) out += p.red(`global: ${formatFatal(res.global.fatal)}`) + '\n'
  for (const h of fatal) out += p.red(`${showField(h.host)}: ${formatFatal(h.fatal!)}`) + '\n'
  return terminalText(out, colour)
}

// ---------------------------------------------------------------- get --all-hosts

export function fleetGetJson(res: FleetGetResult) {
  return {
    name: res.name,
    felixVersion: res.felixVersion,
    readFrom: readFromJson(res.readFrom),
    localLayers: res.localLayers,
    note: res.note,
    global: {...cellJson(res.global), fatal: res.global.fatal, own: ownJson(res.global.own)},
    hostCount: res.hostCount,
    groups: res.groups.map((g) => ({value: g.value === null ? null : jsonTyped(g.value), raws: g.raws, count: g.count, sources: g.sources, hosts: g.hosts, fatal: g.fatal})),
    fatal: res.fatal.map((f) => ({host: f.host, fatal: f.fatal, own: ownJson(f.own)})),
    stopped: res.fatal.map((f) => f.host),
    diagnostics: diagnosticsJson([], res.warnings),
  }
}

export async function renderFleetGet(res: FleetGetResult, format: string, colour = false): Promise<string> {
  if (format === 'json' || format === 'yaml') return doc(fleetGetJson(res), format)
  const p = painter(colour)
  const wide = format === 'wide'
  const globalOwn = res.global.own?.map((o) => o.raw) ?? []
  let out = `${p.bold(res.name)}: global value ${formatValue(res.global.value)} (${res.global.source}${res.global.source === 'default' ? '' : ', ' + formatOrigin(res.global.origin)})`
  if (res.global.fatal) out += p.red(` (fatal: Felix would not start with the global layer alone${globalOwn.length ? `; the global directory holds ${formatOwn(globalOwn)}` : ''})`)
  out += '\n\n'
  const hostList = (hosts: string[]) =>
    wide || hosts.length <= GROUP_HOSTS_SHOWN ? hosts.map((h) => showField(h)).join(', ') : `${hosts.slice(0, GROUP_HOSTS_SHOWN).map((h) => showField(h)).join(', ')}, … (${hosts.length - GROUP_HOSTS_SHOWN} more)`
  const valueOf = (g: FleetGetResult['groups'][number]) =>
    g.fatal ? p.red(`(Felix stopped) ${g.raws.length ? formatOwn(g.raws) : 'not set in its host directory'}`) : formatValue(g.value!)
  out += renderTable({
    head: wide ? ['VALUE', 'HOSTS', 'SOURCES', 'RAW', 'HOST DIRECTORIES'] : ['VALUE', 'HOSTS', 'SOURCES', 'HOST DIRECTORIES'],
    paint: p,
    rows: res.groups.map((g) => {
      const sources = Object.entries(g.sources).map(([s, n]) => `${s}:${n}`).join(' ') || '-'
      return wide ? [valueOf(g), g.count, sources, g.raws.map((r) => showQuoted(r)).join(' '), hostList(g.hosts)] : [valueOf(g), g.count, sources, hostList(g.hosts)]
    }),
  })
  if (res.groups.some((g) => g.fatal && g.raws.length) || globalOwn.length) out += `${OWN_LEGEND}\n`
  out += `\n${res.hostCount} host directories\n`
  if (res.fatal.length) out += p.red(stoppedLine(res.fatal.map((f) => f.host), res.hostCount)) + '\n'
  out += `note: ${res.note}\n`
  if (res.global.fatal) out += p.red(`global: ${formatFatal(res.global.fatal)}`) + '\n'
  for (const f of res.fatal) out += p.red(`${showField(f.host)}: ${formatFatal(f.fatal)}`) + '\n'
  return terminalText(out, colour)
}

// ---------------------------------------------------------------- diff

export function fleetDiffJson(res: FleetDiffResult) {
  return {
    felixVersion: res.felixVersion,
    readFrom: readFromJson(res.readFrom),
    localLayers: res.localLayers,
    note: res.note,
    a: {host: res.a.host, fatal: res.a.fatal, diagnostics: res.a.diagnostics.map(diagnosticJson), own: ownJson(res.a.own)},
    b: {host: res.b.host, fatal: res.b.fatal, diagnostics: res.b.diagnostics.map(diagnosticJson), own: ownJson(res.b.own)},
    differences: res.differences.map((d) => ({name: d.name, valueDiffers: d.valueDiffers, a: {...cellJson(d.a), own: d.aOwn}, b: {...cellJson(d.b), own: d.bOwn}})),
    stopped: [res.a, res.b].filter((s) => s.fatal && s.host !== null).map((s) => s.host!),
    diagnostics: diagnosticsJson([], res.warnings),
  }
}

export async function renderFleetDiff(res: FleetDiffResult, format: string, colour = false): Promise<string> {
  if (format === 'json' || format === 'yaml') return doc(fleetDiffJson(res), format)
  const p = painter(colour)
  const wide = format === 'wide'
  const nameA = showField(res.a.host!) + (res.a.fatal ? ' (stopped)' : '')
  const nameB = (res.b.host === null ? '(global)' : showField(res.b.host)) + (res.b.fatal ? ' (stopped)' : '')
  let out = ''
  if (res.differences.length === 0) out += `No differences between ${nameA} and ${nameB}.\n`
  else {
    // A directory's own key is shown with that directory as its source, whatever Felix reports after the failure.
    const side = (c: FleetCell, own: string[] | null, s: FleetDiffResult['a'], ownSource: string) => {
      if (!own) return wide ? [formatValue(c.value), c.source, formatOrigin(c.origin)] : [formatValue(c.value), c.source]
      const origins = (s.own ?? []).filter((o) => o.name === c.name).map((o) => formatOrigin(o.origin)).join(' ')
      return wide ? [p.red(formatOwn(own)), ownSource, origins] : [p.red(formatOwn(own)), ownSource]
    }
    const bSource = res.b.host === null ? 'global' : 'host'
    const head = wide
      ? ['PARAMETER', nameA, 'SOURCE', 'ORIGIN', nameB, 'SOURCE', 'ORIGIN']
      : ['PARAMETER', nameA, 'SOURCE', nameB, 'SOURCE']
    out += renderTable({
      head,
      paint: p,
      rows: res.differences.map((d) => [d.name + (d.valueDiffers || d.aOwn || d.bOwn ? '' : p.dim(' (same value)')), ...side(d.a, d.aOwn, res.a, 'host'), ...side(d.b, d.bOwn, res.b, bSource)]),
    })
    if (res.differences.some((d) => d.aOwn || d.bOwn)) out += `${OWN_LEGEND}\n`
  }
  out += `note: ${res.note}\n`
  for (const s of [res.a, res.b]) if (s.fatal) out += p.red(`${s.host === null ? '(global)' : showField(s.host)}: ${formatFatal(s.fatal)}`) + '\n'
  return terminalText(out, colour)
}
