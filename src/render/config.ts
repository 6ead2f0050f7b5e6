/** Renderers for `config get | list | explain`: pure (result, format) -> string. */
import {Origin} from '../layers/types.js'
import {TypedValue} from '../params/types.js'
import {Diagnostic, Fatal, ParamResolution, Resolution} from '../resolve/types.js'
import {ConfigExplainResult, ConfigGetResult, ConfigListResult} from '../services/config-query.js'
import {clipLines, escapeTerminalText, showField, showQuoted} from './escape.js'
import type {HostSelection} from '../services/config-context.js'
import type {FelixProcess} from '../services/felix-process.js'
import {Painter, painter, renderKeyValues, renderTable, toJson, toYaml} from './format.js'

/** A typed value as text output shows it: escaped, and clipped with its length when long. */
export function formatValue(v: TypedValue): string {
  if (v === null) return '<nil>'
  if (Array.isArray(v)) return v.length ? showField(v.join(',')) : '[]'
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN'
    if (v === Infinity) return '+Inf'
    if (v === -Infinity) return '-Inf'
  }
  if (v === '') return '""'
  return showField(String(v))
}

/** The text of a renderer's text output: controls from input shown as escapes, long lines cut; newlines and own colours kept. */
export function terminalText(out: string, colour: boolean): string {
  return escapeTerminalText(clipLines(out), colour)
}

/** An origin as text output shows it (env names, paths and etcd keys come from input: escaped). */
export function formatOrigin(o: Origin): string {
  return showField(originText(o), 1024)
}

function originText(o: Origin): string {
  switch (o.type) {
    case 'env':
      return o.path ? `${o.name} (${o.path}${o.line ? ':' + o.line : ''})` : `env ${o.name}`
    case 'file':
      return `${o.path}:${o.line}${o.section ? ` [${o.section}]` : ''}${o.pid === undefined ? '' : ` (in PID ${o.pid}'s mount namespace)`}`
    case 'etcd':
      return o.key ?? 'etcd'
    default:
      return 'default'
  }
}

/** The header of `config get|list` and `doctor` with --pid/--running: whose inputs these are. */
export function renderProcessHeader(fp: FelixProcess): string {
  const f = fp.configFile
  // Every field comes from the process (its exe, command line, files, hostname): shown escaped.
  const lines = [
    `Felix process: PID ${fp.pid}${fp.foundBy === 'running' ? ' (found with --running)' : ''}, ${showField(fp.exe ?? fp.comm, 1024)}, version ${showField(fp.version ?? 'unknown')}`,
    `  command line: ${showField(fp.cmdline.join(' '), 1024)}`,
    `  config file:  ${showField(f.path, 1024)} in PID ${fp.pid}'s mount namespace${f.exists ? ` (read through ${showField(f.readPath ?? '', 1024)})` : ' (absent: no file)'}${f.fromCommandLine ? '' : ' (the default)'}`,
    `  hostname:     ${showField(fp.hostname)} (${fp.hostnameFrom === 'nsenter' ? `PID ${fp.pid}'s UTS namespace` : "the same UTS namespace as felixctl's"})`,
  ]
  if (fp.versionNote) lines.push(`  note: ${showMessage(fp.versionNote)}`)
  return lines.join('\n') + '\n\n'
}

export function formatFatal(f: Fatal): string {
  const where = [f.param, f.layer].filter(Boolean).join(', ')
  return `Felix would not start (stage ${f.stage}${where ? `; ${where}` : ''}): ${showMessage(f.message)}`
}

/** A message for one line of text output (it quotes input): escaped, long ones cut keeping their end. */
export function showMessage(m: string): string {
  return escapeTerminalText(clipLines(m)).replaceAll('\n', '\\n')
}

function statusPaint(status: string, p: Painter): string {
  if (status === 'effective') return p.green(status)
  if (status === 'fatal') return p.red(status)
  if (status === 'invalid-default' || status === 'ignored') return p.yellow(status)
  return p.dim(status)
}

function paramJson(p: ParamResolution) {
  return {name: p.name, value: p.value, raw: p.raw, source: p.source, origin: p.origin, ambiguous: p.ambiguous, layers: p.layers}
}

export function diagnosticJson(d: Diagnostic) {
  return {severity: d.severity, code: d.code, param: d.param, layer: d.layer, origin: d.origin, message: d.message, hint: d.hint}
}

/**
 * A line a command writes to stderr (`warning: ...`, `note: ...`) as a diagnostic of the JSON
 * document: what text output tells the operator, JSON tells its reader too.
 */
export function stderrDiagnostic(line: string): ReturnType<typeof diagnosticJson> {
  const m = /^(warning|note|error): /.exec(line)
  const severity = m?.[1] === 'error' ? 'error' : m?.[1] === 'note' ? 'info' : 'warning'
  return {severity, code: severity === 'info' ? 'note' : severity, param: null, layer: null, origin: null, message: m ? line.slice(m[0].length) : line, hint: null}
}

/** A JSON document's `diagnostics`: the resolver's, then the lines written to stderr. */
export function diagnosticsJson(diags: readonly Diagnostic[], stderrLines: readonly string[] = []) {
  return [...diags.map(diagnosticJson), ...stderrLines.map(stderrDiagnostic)]
}

export function resolutionJson(r: Resolution, extra: Record<string, unknown> = {}) {
  return {
    felixVersion: r.felixVersion,
    host: r.host,
    datastore: r.datastore,
    fatal: r.fatal,
    params: r.params.map(paramJson),
    unknown: r.unknown,
    diagnostics: diagnosticsJson(r.diagnostics),
    ...extra,
  }
}

/** `hostDirectory` in config get|list JSON: which per-host directory was evaluated, and why. */
export function hostDirectoryJson(h: HostSelection) {
  return {name: h.directory, kernelHostname: h.kernelHostname, kernelHostnameFrom: h.fromFlag ? '--host' : 'machine', setBy: h.setBy, localLayers: h.localLayers, note: h.note}
}

function readFromJson(res: {datastoreRead: ConfigGetResult['datastoreRead']}) {
  const d = res.datastoreRead
  return {kind: d.kind, endpoints: d.endpoints, ready: d.ready, partial: Boolean(d.unavailable)}
}

export async function renderConfigGet(res: ConfigGetResult, format: string, colour = false): Promise<string> {
  if (format === 'json' || format === 'yaml') {
    // The diagnostics text output writes to stderr for this parameter, and the warnings.
    const doc = {...paramJson(res.param), fatal: res.fatal, hostDirectory: hostDirectoryJson(res.hostSelection), diagnostics: diagnosticsJson(paramDiagnostics(res), res.warnings), ...(res.process ? {process: res.process} : {})}
    return format === 'json' ? toJson(doc) : toYaml(doc)
  }
  const p = painter(colour)
  const prm = res.param
  const pairs: [string, string][] = [
    ['Name', showField(prm.name)],
    ['Value', formatValue(prm.value)],
    ['Source', prm.source + (prm.ambiguous ? ' (ambiguous: Go map order decides)' : '')],
    ['Origin', formatOrigin(prm.origin)],
  ]
  if (format === 'wide') pairs.push(['Raw', showQuoted(prm.raw)], ['Host', showField(res.host)])
  // Said in the result, not only on stderr: a local FelixHostname chose another host directory.
  if (res.hostSelection.note) pairs.push(['Host directory', showMessage(res.hostSelection.note)])
  // Commands that read a host directory name the keys they use (contracts: Hosts).
  pairs.push(['Etcd keys', res.keys.global ? [res.keys.host ? showField(res.keys.host, 1024) : '(every host directory: FelixHostname is "")', res.keys.global].join(', ') : 'none (local-only: not read from etcd)'])
  let out = (res.process ? renderProcessHeader(res.process) : '') + renderKeyValues(pairs, p)
  if (prm.layers.length) {
    out += '\n'
    const head = format === 'wide' ? ['LAYER', 'KEY', 'RAW', 'STATUS', 'ORIGIN', 'NOTE'] : ['LAYER', 'RAW', 'STATUS', 'NOTE']
    out += renderTable({
      head,
      paint: p,
      rows: prm.layers.map((l) =>
        format === 'wide'
          ? [l.layer, showField(l.key), showQuoted(l.raw), statusPaint(l.status, p), formatOrigin(l.origin), showMessage(l.message ?? '')]
          : [l.layer, showQuoted(l.raw), statusPaint(l.status, p), showMessage(l.message ?? '')],
      ),
    })
  }
  if (res.fatal) out += '\n' + p.red(formatFatal(res.fatal)) + '\n'
  return terminalText(out, colour)
}

/** The diagnostics `config get` reports: those of its parameter. */
export function paramDiagnostics(res: ConfigGetResult): Diagnostic[] {
  return res.resolution.diagnostics.filter((d) => d.param === res.param.name)
}

export async function renderConfigList(res: ConfigListResult, format: string, colour = false): Promise<string> {
  const r = res.resolution
  const params = res.changedOnly ? r.params.filter((x) => x.source !== 'default') : r.params
  if (format === 'json' || format === 'yaml') {
    const doc = {...resolutionJson({...r, params}), hostDirectory: hostDirectoryJson(res.hostSelection), diagnostics: diagnosticsJson(r.diagnostics, res.warnings), readFrom: readFromJson(res), ...(res.process ? {process: res.process} : {})}
    return format === 'json' ? toJson(doc) : toYaml(doc)
  }
  const p = painter(colour)
  const wide = format === 'wide'
  let out = (res.process ? renderProcessHeader(res.process) : '') + (res.hostSelection.note ? `Host directory: ${showMessage(res.hostSelection.note)}\n\n` : '')
  out += renderTable({
    head: wide ? ['NAME', 'VALUE', 'RAW', 'SOURCE', 'ORIGIN', 'OTHER LAYERS'] : ['NAME', 'VALUE', 'SOURCE', 'ORIGIN'],
    paint: p,
    rows: params.map((x) => {
      const src = x.source === 'default' ? p.dim(x.source) : x.source + (x.ambiguous ? '?' : '')
      const others = x.layers.filter((l) => l.status !== 'effective' && l.status !== 'invalid-default').map((l) => `${l.layer}:${l.status}`)
      return wide
        ? [x.name, formatValue(x.value), showQuoted(x.raw), src, formatOrigin(x.origin), others.join(' ')]
        : [x.name, formatValue(x.value), src, formatOrigin(x.origin)]
    }),
  })
  if (r.unknown.length) {
    out += '\nUnknown keys (Felix ignores them):\n'
    out += renderTable({head: ['KEY', 'RAW', 'SOURCE', 'ORIGIN'], paint: p, rows: r.unknown.map((u) => [showField(u.name), showQuoted(u.raw), u.source, formatOrigin(u.origin)])})
  }
  out += `\nFelixHostname (per-host keys): ${showField(r.host)}   Felix's datastore: ${r.datastore.type} ${showField(r.datastore.endpoints.join(','), 1024)}`
  const read = res.datastoreRead
  const readText = read.kind === 'kubernetes' ? 'kubernetes (no etcd layers)' : read.kind === 'none' ? 'nothing (etcd layers not read)' : `${read.kind} ${showField(read.endpoints.join(','), 1024)}`
  out += `   read: ${readText}\n`
  if (r.fatal) out += p.red(formatFatal(r.fatal)) + '\n'
  return terminalText(out, colour)
}

/** Diagnostics for stderr in table/wide mode (JSON carries them in the document). */
export function renderDiagnostics(diags: readonly Diagnostic[], colour = false): string {
  const p = painter(colour)
  return diags
    .map((d) => {
      const sev = d.severity === 'error' ? p.red(d.severity) : d.severity === 'warning' ? p.yellow(d.severity) : d.severity
      return `${sev}: ${showMessage(d.message)}${d.hint ? `\n  hint: ${showMessage(d.hint)}` : ''}`
    })
    .join('\n')
}

export async function renderConfigExplain(res: ConfigExplainResult, format: string, colour = false): Promise<string> {
  if (format === 'json') return toJson(res)
  if (format === 'yaml') return toYaml(res)
  const p = painter(colour)
  const pairs: [string, string][] = [
    ['Name', res.name],
    ['Felix', res.felixVersion + (res.since ? ` (since ${res.since})` : '')],
    ['Kind', res.kind],
    ['Accepts', res.accepts],
    ['Default', (res.default === '' ? '(none)' : res.default) + (res.defaultNote ? ` — ${res.defaultNote}` : '')],
    ['Env var', `${res.envVar} (any case; lower-cased by Felix)`],
    ['File key', `${res.fileKey} in ${'felix.cfg'} (any section; spell it exactly so)`],
    ['Global key', res.etcdKeys.global ?? 'none: local-only, not read from etcd'],
    ['Host key', res.etcdKeys.host ?? 'none: local-only, not read from etcd'],
    [
      'On change',
      res.flags.localOnly
        ? 'read when Felix starts: a change applies at its next restart (docs/felix-restarts.md)'
        : 'a change in etcd restarts every Felix whose raw configuration it changes, and stops those that can no longer resolve it (docs/felix-restarts.md)',
    ],
  ]
  let out = `${p.bold(res.name)}: ${res.doc}\n\n` + renderKeyValues(pairs, p)
  out += '\nFlags:\n' + res.flagWords.map((w) => `  - ${w}`).join('\n') + '\n'
  if (res.seedPage.says || res.seedPage.wrong) {
    out += '\nThe Calico 2.0 "Configuring Calico" page:\n'
    if (res.seedPage.says) out += `  says: ${res.seedPage.says}\n`
    if (res.seedPage.wrong) out += `  ${p.yellow('but')}: ${res.seedPage.wrong}\n`
  }
  return terminalText(out, colour)
}

/** Hosts named in a "stopped" line before "… (N more)". */
export const STOPPED_HOSTS_SHOWN = 10

/**
 * The one wording for hosts whose Felix is stuck in configuration (its resolve fails; Felix
 * retries forever and never starts), used by config validate and the fleet views alike.
 */
export function stoppedLine(stopped: readonly string[], of: number): string {
  const names = stopped.slice(0, STOPPED_HOSTS_SHOWN).map((h) => showField(h)).join(', ') + (stopped.length > STOPPED_HOSTS_SHOWN ? `, … (${stopped.length - STOPPED_HOSTS_SHOWN} more)` : '')
  return `Felix is stopped (stuck in configuration) on ${stopped.length} of ${of} host director${of === 1 ? 'y' : 'ies'}: ${names}`
}
