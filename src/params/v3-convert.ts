/**
 * Pure conversion of Felix 2.0 values into Calico v3 resource fields (issue 18), and
 * calico-upgrade's own rules, transcribed from libcalico-go (sources in v3-felixconfig.ts), so
 * the two can be run side by side and every difference explained.
 */
import {goToLower} from './kinds.js'
import {goParseFloat, goParseInt, goParseUint} from './go/strconv.js'
import type {ParamDef, TypedValue} from './types.js'
import {
  CLUSTER_INFORMATION_FIELDS,
  CLUSTER_INFORMATION_SCHEMA,
  FELIX3_DEFAULTS,
  FELIX_CONFIGURATION_FIELDS,
  FELIX_CONFIGURATION_SCHEMA,
  RESOURCE_NAME,
  RESOURCE_NAME_MAX,
  SchemaNode,
  V3Field,
  V3_NONE,
  V3_VALIDATOR_PATTERNS,
  v1NameOf,
} from './v3-felixconfig.js'

export type V3Kind = 'FelixConfiguration' | 'ClusterInformation'

export interface ProtoPort {
  protocol: string
  port: number
}

export type V3Value = string | number | boolean | ProtoPort[]

// ------------------------------------------------------------------ Go formatting

/** Go's time.Duration.String(), e.g. 30s, 1.5s, 50ms, 1m30s, 1h0m0s, -2s, 0s. */
export function goDuration(ns: bigint): string {
  if (ns === 0n) return '0s'
  const neg = ns < 0n
  let u = neg ? -ns : ns
  const frac = (v: bigint, prec: number): [string, bigint] => {
    let s = ''
    let print = false
    for (let i = 0; i < prec; i++) {
      const digit = v % 10n
      print ||= digit !== 0n
      if (print) s = digit.toString() + s
      v /= 10n
    }
    return [print ? '.' + s : '', v]
  }
  let out: string
  if (u < 1_000_000_000n) {
    if (u < 1000n) out = `${u}ns`
    else if (u < 1_000_000n) {
      const [fs, v] = frac(u, 3)
      out = `${v}${fs}µs`
    } else {
      const [fs, v] = frac(u, 6)
      out = `${v}${fs}ms`
    }
  } else {
    const [fs, v0] = frac(u, 9)
    u = v0
    out = `${u % 60n}${fs}s`
    u /= 60n
    if (u > 0n) {
      out = `${u % 60n}m${out}`
      u /= 60n
      if (u > 0n) out = `${u}h${out}`
    }
  }
  return neg ? '-' + out : out
}

const INT64_LIMIT = 2 ** 63

/** time.Duration(x * float64(unit)) in Go: truncated toward zero; null where Go's result is undefined (inf, NaN, overflow). */
export function durationFromFloat(x: number, timescale: 'seconds' | 'milliseconds'): string | null {
  const ns = x * (timescale === 'milliseconds' ? 1e6 : 1e9)
  if (!Number.isFinite(ns) || Math.abs(ns) >= INT64_LIMIT) return null
  return goDuration(BigInt(Math.trunc(ns)))
}

// ------------------------------------------------------------------ calico-upgrade's rules (transcribed)

const NON_NAME_CHAR = /[^-.a-z0-9]+/g
const DOT_DASH_SEQ = /[.-]*[.][.-]*/g

/**
 * ConvertNodeName (lib/upgrade/converters/names.go): lower-case, `/` to `.`, any run of other
 * characters outside [-.a-z0-9] to `-`, any run of [-.] holding a `.` to one `.`, leading and
 * trailing dots and dashes removed. Go's strings.ToLower is goToLower.
 */
export function convertNodeName(v1Name: string): string {
  let name = goToLower(v1Name)
  name = name.split('/').join('.')
  name = name.replace(NON_NAME_CHAR, '-')
  name = name.replace(DOT_DASH_SEQ, '.')
  return /^[.-]*(.*?)[.-]*$/s.exec(name)![1]
}

/** convertLogLevel (lib/upgrade/migrator/migrate.go): anything it does not know becomes Info. */
export function calicoUpgradeLogLevel(level: string): string {
  switch (goToLower(level)) {
    case 'debug':
      return 'Debug'
    case 'info':
      return 'Info'
    case 'warning':
      return 'Warning'
    case 'error':
      return 'Error'
    case 'fatal':
    case 'panic':
      return 'Fatal'
    case '':
      return ''
    default:
      return 'Info'
  }
}

/** Go strconv.ParseBool. */
function goParseBool(s: string): boolean | null {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false
  return null
}

/** parseProtoPort (lib/upgrade/migrator/felixconfig.go, v3.4.0-0.dev). */
export function calicoUpgradeProtoPorts(raw: string): ProtoPort[] | {error: string} {
  const result: ProtoPort[] = []
  for (let portStr of raw.split(',')) {
    portStr = portStr.replace(/^ +| +$/g, '')
    if (portStr === '') continue
    const parts = portStr.split(':')
    if (parts.length > 2) return {error: 'failed to parse ProtoPort-ports should be <protocol>:<number> or <number>'}
    let protocol = 'TCP'
    if (parts.length > 1) {
      protocol = parts[0].toUpperCase()
      portStr = parts[1]
    }
    if (protocol !== 'TCP' && protocol !== 'UDP') return {error: `failed to parse ProtoPort-unknown protocol: ${protocol}`}
    const n = goParseInt(portStr, 10, 'Atoi')
    if (!n.ok || n.value > 2n ** 63n - 1n) return {error: 'failed to parse ProtoPort-ports should be integers'}
    if (n.value < 0n || n.value > 65535n) return {error: 'failed to parse ProtoPort-ports must be in range 0-65535'}
    result.push({protocol, port: Number(n.value)})
  }
  return result
}

export type UpgradeOutcome =
  | {kind: 'no-field'}
  | {kind: 'set'; resource: V3Kind; json: string; value: V3Value}
  | {kind: 'error'; resource: V3Kind; json: string; reason: string}

/** The v3 field whose calico-upgrade v1 name is exactly `v1Key` (case-sensitive, as calico-upgrade matches). */
export function upgradeFieldFor(v1Key: string, resource: V3Kind): V3Field | undefined {
  const fields = resource === 'FelixConfiguration' ? FELIX_CONFIGURATION_FIELDS : CLUSTER_INFORMATION_FIELDS
  return fields.find((fd) => v1NameOf(fd) === v1Key)
}

/**
 * What calico-upgrade's parseFelixConfigV1IntoResourceV3 makes of one v1 key and value in one
 * resource: the field it sets, a conversion error, or nothing (no field has that exact name).
 */
export function calicoUpgradeValue(v1Key: string, raw: string, resource: V3Kind): UpgradeOutcome {
  const fd = upgradeFieldFor(v1Key, resource)
  if (!fd) return {kind: 'no-field'}
  const set = (value: V3Value): UpgradeOutcome => ({kind: 'set', resource, json: fd.json, value})
  const error = (reason: string): UpgradeOutcome => ({kind: 'error', resource, json: fd.json, reason})
  let s = raw
  if (fd.field.startsWith('Failsafe')) {
    if (s === 'none') return set([])
    const pp = calicoUpgradeProtoPorts(s)
    return Array.isArray(pp) ? set(pp) : error(pp.error)
  }
  if (fd.field.startsWith('LogSeverity')) s = calicoUpgradeLogLevel(s)
  switch (fd.type) {
    case 'duration': {
      const x = goParseFloat(s)
      if (!x.ok) return error(`failed to parse float for Duration field: ${x.goError}`)
      const d = durationFromFloat(x.value, fd.timescale ?? 'seconds')
      return d === null ? error('duration out of range') : set(d)
    }
    case 'uint32': {
      const r = goParseUint(s, 10, 32)
      return r.ok ? set(Number(r.value)) : error(`failed to parse uint32 field: strconv.ParseUint: parsing ${JSON.stringify(s)}: ${r.err}`)
    }
    case 'int': {
      const r = goParseInt(s, 10, 'ParseInt')
      return r.ok ? set(Number(r.value)) : error(`failed to parse int field: ${r.goError}`)
    }
    case 'bool': {
      const b = goParseBool(s)
      return b === null ? error(`failed to parse bool field: strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`) : set(b)
    }
    case 'string':
      return set(s)
    default:
      return error('unhandled field type')
  }
}

// ------------------------------------------------------------------ felixctl's conversion

export interface V3Target {
  resource: V3Kind
  field: V3Field
}

/** A Felix 2.0 parameter's v3 field: calico-upgrade's name table applied to its canonical name. */
export function v3TargetOf(paramName: string): V3Target | null {
  const fc = upgradeFieldFor(paramName, 'FelixConfiguration')
  if (fc) return {resource: 'FelixConfiguration', field: fc}
  const ci = upgradeFieldFor(paramName, 'ClusterInformation')
  return ci ? {resource: 'ClusterInformation', field: ci} : null
}

const LOG_LEVEL_V3: Record<string, string> = {DEBUG: 'Debug', INFO: 'Info', WARNING: 'Warning', ERROR: 'Error', CRITICAL: 'Fatal', FATAL: 'Fatal'}
const ACTION_V3: Record<string, string> = {DROP: 'Drop', RETURN: 'Return', ACCEPT: 'Accept'}

export type ConvertResult = {ok: true; value: V3Value} | {ok: false; code: 'none-not-representable' | 'value-not-representable'; reason: string}

/**
 * The v3 field value that makes Felix 3 hold what Felix 2.0 held: `value` is Felix 2.0's typed
 * value, `raw` the string it came from (the file kinds keep the raw path: Felix 2.0's typed
 * DataplaneDriver is a path resolved on that host).
 */
export function toV3Value(def: ParamDef, target: V3Field, value: TypedValue, raw: string): ConvertResult {
  const notRep = (reason: string): ConvertResult => ({ok: false, code: 'value-not-representable', reason})
  switch (target.type) {
    case 'bool':
      return typeof value === 'boolean' ? {ok: true, value} : notRep(`not a boolean: ${JSON.stringify(value)}`)
    case 'int':
    case 'uint32':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return {ok: true, value}
      return notRep(`${JSON.stringify(raw)} is beyond what felixctl writes exactly (±2^53)`)
    case 'duration': {
      if (typeof value !== 'number') return notRep(`${JSON.stringify(raw)} is beyond what felixctl writes exactly (±2^53)`)
      const d = durationFromFloat(value, target.timescale ?? 'seconds')
      return d === null ? notRep(`${JSON.stringify(raw)} has no v3 duration (Go's conversion of ${value} seconds is undefined)`) : {ok: true, value: d}
    }
    case 'protoports':
      return Array.isArray(value) ? {ok: true, value: (value as number[]).map((port) => ({protocol: 'TCP', port}))} : notRep('not a port list')
    case 'string': {
      const s = def.kind.type === 'file' ? (goToLower(raw) === 'none' ? '' : raw) : String(value ?? '')
      if (target.field.startsWith('LogSeverity')) {
        if (s === '') return {ok: false, code: 'none-not-representable', reason: `an empty ${def.name} (Felix 2.0 logs nothing there) has no v3 value: the v3 validator takes only Debug|Info|Warning|Error|Fatal, and an unset field means Info`}
        return {ok: true, value: LOG_LEVEL_V3[s.toUpperCase()] ?? s}
      }
      if (target.json === 'defaultEndpointToHostAction') return {ok: true, value: ACTION_V3[s] ?? s}
      // An empty string field is unset in v3; `none` is read back as the zero value.
      return {ok: true, value: s === '' ? V3_NONE : s}
    }
    default:
      return notRep('unhandled field type')
  }
}

/** Felix 3's default for a Felix 2.0 parameter, as the v3 field value (FELIX3_DEFAULTS parsed with Felix 3's kinds). */
export function felix3Default(paramName: string): V3Value | null {
  const target = v3TargetOf(paramName)
  const raw = FELIX3_DEFAULTS[paramName]
  if (!target || raw === undefined) return null
  const fd = target.field
  switch (fd.type) {
    case 'bool':
      return raw === 'true'
    case 'int':
      return Number(raw)
    case 'uint32': {
      const r = goParseUint(raw, 0, 32)
      return r.ok ? Number(r.value) : null
    }
    case 'duration':
      return durationFromFloat(Number(raw), fd.timescale ?? 'seconds')
    case 'protoports':
      return raw.split(',').map((p) => {
        const [proto, port] = p.split(':')
        return {protocol: proto.toUpperCase(), port: Number(port)}
      })
    default:
      if (fd.field.startsWith('LogSeverity')) return LOG_LEVEL_V3[raw] ?? raw
      if (fd.json === 'defaultEndpointToHostAction') return ACTION_V3[raw] ?? raw
      return raw === '' ? V3_NONE : raw
  }
}

/** Deep equality of v3 values (the comparison `--diff` and the default check use). */
export function sameV3Value(a: V3Value | null | undefined, b: V3Value | null | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null)
}

// ------------------------------------------------------------------ schema validation

export interface V3Resource {
  apiVersion: 'projectcalico.org/v3'
  kind: V3Kind
  metadata: {name: string}
  spec: Record<string, V3Value>
}

function validateNode(node: SchemaNode, value: unknown, path: string, errors: string[]): void {
  if (node.anyOf) {
    const ok = node.anyOf.some((alt) => {
      const e: string[] = []
      validateNode(alt, value, path, e)
      return e.length === 0
    })
    if (!ok) errors.push(`${path}: matches none of anyOf`)
    return
  }
  const t = node.type
  const typeOk =
    t === undefined ||
    (t === 'string' && typeof value === 'string') ||
    (t === 'boolean' && typeof value === 'boolean') ||
    (t === 'integer' && typeof value === 'number' && Number.isInteger(value)) ||
    (t === 'array' && Array.isArray(value)) ||
    (t === 'object' && typeof value === 'object' && value !== null && !Array.isArray(value))
  if (!typeOk) {
    errors.push(`${path}: expected ${t}, got ${JSON.stringify(value)}`)
    return
  }
  if (node.enum && !node.enum.includes(value as string)) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${node.enum.join(', ')}`)
  if (node.pattern && typeof value === 'string' && !new RegExp(node.pattern).test(value)) errors.push(`${path}: ${JSON.stringify(value)} does not match ${node.pattern}`)
  if (t === 'array' && node.items) (value as unknown[]).forEach((v, i) => validateNode(node.items!, v, `${path}[${i}]`, errors))
  if (t === 'object') {
    const obj = value as Record<string, unknown>
    for (const r of node.required ?? []) if (!(r in obj)) errors.push(`${path}: ${r} is required`)
    if (node.properties) {
      for (const [k, v] of Object.entries(obj)) {
        const p = node.properties[k]
        if (!p) errors.push(`${path}.${k}: not a field of the schema`)
        else validateNode(p, v, `${path}.${k}`, errors)
      }
    }
  }
}

/** Problems of one resource against the CRD schema, calicoctl's field validators and the object-name rule; [] when it validates. */
export function validateV3Resource(r: V3Resource): string[] {
  const errors: string[] = []
  if (r.apiVersion !== 'projectcalico.org/v3') errors.push(`apiVersion: ${JSON.stringify(r.apiVersion)}`)
  const name = r.metadata?.name ?? ''
  if (name.length > RESOURCE_NAME_MAX || !RESOURCE_NAME.test(name)) errors.push(`metadata.name: ${JSON.stringify(name)} is not a valid resource name (DNS-1123 subdomain)`)
  validateNode(r.kind === 'FelixConfiguration' ? FELIX_CONFIGURATION_SCHEMA : CLUSTER_INFORMATION_SCHEMA, r.spec, 'spec', errors)
  for (const [k, v] of Object.entries(r.spec)) {
    const re = V3_VALIDATOR_PATTERNS[k]
    if (re && r.kind === 'FelixConfiguration' && !(typeof v === 'string' && re.test(v))) errors.push(`spec.${k}: ${JSON.stringify(v)} does not pass calicoctl's validator ${re}`)
  }
  return errors
}
