/**
 * The Felix 2.0.x parameter kinds (docs/reference/felix-2.0-config.md §2): how a raw string parses.
 *
 * Each parser reproduces the Go function Felix 2.0.x calls (built with Go 1.7):
 * strconv.ParseInt/ParseUint/ParseFloat/Atoi, net.ParseIP, net/url.Parse, exec.LookPath.
 * Failure reasons start with Felix's own message (the text after `value "<raw>": ` in
 * `Failed to parse config parameter ...`); where Felix hides the Go error, it follows in
 * parentheses so an operator can see *why*.
 *
 * `none` is not handled here: the resolver turns it into zeroValue() (§2, §4.3).
 */
import {statSync} from 'node:fs'
import {posix} from 'node:path'

import {goToLower} from '../lib/go-lower.js'
import type {FileProbe, KindSpec, ParseResult, TypedValue} from './types.js'

const ok = (value: TypedValue): ParseResult => ({ok: true, value})
const fail = (reason: string): ParseResult => ({ok: false, reason})
/** Felix's own text, with felixctl's Go detail added for people. */
const failWith = (felix: string, detail: string): ParseResult => ({ok: false, reason: `${felix} (${detail})`, felix})

/** Go's strings.ToLower (one implementation, in src/lib: the editors use it too). */
export {goToLower}

const GO_NAMED_ESCAPES: Record<string, string> = {'\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\'}
/**
 * What strconv.Quote escapes: `"`, `\\` and what unicode.IsPrint rejects (anything but letters,
 * marks, numbers, punctuation, symbols and the ASCII space); a lone surrogate is one match.
 */
const GO_QUOTE_ESCAPED = /["\\]|[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/gu

function goEscapeRune(ch: string): string {
  const named = GO_NAMED_ESCAPES[ch]
  if (named !== undefined) return named
  const c = ch.codePointAt(0)!
  if (c < 0x20 || c === 0x7f) return '\\x' + c.toString(16).padStart(2, '0')
  if (c < 0x10000) return '\\u' + c.toString(16).padStart(4, '0')
  return '\\U' + c.toString(16).padStart(8, '0')
}

/**
 * Go's strconv.Quote (what `%q` prints): Go's escapes, and \u/\U for what unicode.IsPrint rejects.
 * One native replace over the string: linear however long the value (a 10 MiB value must not
 * cost seconds of garbage collection).
 */
export function goQuote(s: string): string {
  return '"' + s.replace(GO_QUOTE_ESCAPED, goEscapeRune) + '"'
}

// ---------------------------------------------------------------------------
// strconv (Go 1.7)

type UintResult = {ok: true; value: bigint} | {ok: false; err: 'invalid syntax' | 'value out of range'}

/**
 * Go 1.7 strconv.ParseUint(s, base, bitSize) for base 0 or 10 (the two Felix uses).
 * Base 0: `0x`/`0X` hex, leading `0` octal, otherwise decimal; no `0b`, `0o` or `_` (Go 1.13+).
 * An overflow stops the scan at once, so `99999999999999999999x` is a range error, as in Go.
 */
export function goParseUint(s: string, base: 0 | 10, bitSize: number): UintResult {
  if (s.length === 0) return {ok: false, err: 'invalid syntax'}
  let b: number = base
  if (base === 0) {
    if (s[0] === '0' && s.length > 1 && (s[1] === 'x' || s[1] === 'X')) {
      if (s.length < 3) return {ok: false, err: 'invalid syntax'}
      b = 16
      s = s.slice(2)
    } else if (s[0] === '0') {
      b = 8
      s = s.slice(1)
    } else {
      b = 10
    }
  }
  const big = BigInt(b)
  const maxVal = (1n << BigInt(bitSize)) - 1n
  let n = 0n
  for (const d of s) {
    let v: number
    if (d >= '0' && d <= '9') v = d.charCodeAt(0) - 48
    else if (d >= 'a' && d <= 'z') v = d.charCodeAt(0) - 97 + 10
    else if (d >= 'A' && d <= 'Z') v = d.charCodeAt(0) - 65 + 10
    else return {ok: false, err: 'invalid syntax'}
    if (v >= b) return {ok: false, err: 'invalid syntax'}
    n = n * big + BigInt(v)
    if (n > maxVal) return {ok: false, err: 'value out of range'}
  }
  return {ok: true, value: n}
}

/** Go 1.7 strconv.ParseInt(s, base, 64): optional sign, then ParseUint. */
export function goParseInt(s: string, base: 0 | 10, fn: string): {ok: true; value: bigint} | {ok: false; goError: string} {
  const s0 = s
  const err = (e: string) => ({ok: false as const, goError: `strconv.${fn}: parsing ${goQuote(s0)}: ${e}`})
  if (s.length === 0) return err('invalid syntax')
  let neg = false
  if (s[0] === '+') s = s.slice(1)
  else if (s[0] === '-') {
    neg = true
    s = s.slice(1)
  }
  const un = goParseUint(s, base, 64)
  if (!un.ok && un.err === 'invalid syntax') return err(un.err)
  const cutoff = 1n << 63n
  if (!un.ok) return err('value out of range')
  if (!neg && un.value >= cutoff) return err('value out of range')
  if (neg && un.value > cutoff) return err('value out of range')
  return {ok: true, value: neg ? -un.value : un.value}
}

const intValue = (v: bigint): TypedValue => {
  const n = Number(v)
  return Number.isSafeInteger(n) ? n : v.toString()
}

const FLOAT_SYNTAX = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/**
 * Go 1.7 strconv.ParseFloat(s, 64). Specials: `inf`, `infinity` with an optional sign and `nan`
 * without one (Go 1.7's special() only takes a sign before inf), any case. No hex floats, no `_`.
 * Overflow (1e400) is ErrRange; underflow (1e-400) is 0 without error, as in Go.
 */
export function goParseFloat(s: string): {ok: true; value: number} | {ok: false; goError: string} {
  const err = (e: string) => ({ok: false as const, goError: `strconv.ParseFloat: parsing ${goQuote(s)}: ${e}`})
  const lower = goToLower(s)
  if (lower === 'nan') return {ok: true, value: Number.NaN}
  const unsigned = lower[0] === '+' || lower[0] === '-' ? lower.slice(1) : lower
  if (unsigned === 'inf' || unsigned === 'infinity') {
    return {ok: true, value: lower[0] === '-' ? -Infinity : Infinity}
  }
  if (!FLOAT_SYNTAX.test(s)) return err('invalid syntax')
  const value = Number(s)
  if (!Number.isFinite(value)) return err('value out of range')
  return {ok: true, value}
}

// ---------------------------------------------------------------------------
// net.ParseIP (Go 1.7)

/** Go 1.7 dtoi: decimal digits only, leading zeros fine (still decimal), fails at >= 0xFFFFFF. */
function dtoi(s: string, i0: number): [number, number, boolean] {
  let n = 0
  let i = i0
  for (; i < s.length && s[i] >= '0' && s[i] <= '9'; i++) {
    n = n * 10 + (s.charCodeAt(i) - 48)
    if (n >= 0xffffff) return [0, i, false]
  }
  if (i === i0) return [0, i, false]
  return [n, i, true]
}

function xtoi(s: string, i0: number): [number, number, boolean] {
  let n = 0
  let i = i0
  for (; i < s.length; i++) {
    const c = s[i]
    let v: number
    if (c >= '0' && c <= '9') v = c.charCodeAt(0) - 48
    else if (c >= 'a' && c <= 'f') v = c.charCodeAt(0) - 97 + 10
    else if (c >= 'A' && c <= 'F') v = c.charCodeAt(0) - 65 + 10
    else break
    n = n * 16 + v
    if (n >= 0xffffff) return [0, i, false]
  }
  if (i === i0) return [0, i, false]
  return [n, i, true]
}

/** Returns the 4 bytes, or null. Exactly four parts 0..255; `010` is ten (Go 1.7 has no leading-zero rule). */
function parseIPv4(s: string): number[] | null {
  const p: number[] = []
  let i = 0
  for (let j = 0; j < 4; j++) {
    if (i >= s.length) return null
    if (j > 0) {
      if (s[i] !== '.') return null
      i++
    }
    const [n, i1, good] = dtoi(s, i)
    if (!good || n > 0xff) return null
    i = i1
    p.push(n)
  }
  return i === s.length ? p : null
}

function parseIPv6(s: string): number[] | null {
  const ip = new Array<number>(16).fill(0)
  let ellipsis = -1
  let i = 0
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0
    i = 2
    if (i === s.length) return ip
  }
  let j = 0
  while (j < 16) {
    const [n, i1, good] = xtoi(s, i)
    if (!good || n > 0xffff) return null
    if (i1 < s.length && s[i1] === '.') {
      if (ellipsis < 0 && j !== 12) return null
      if (j + 4 > 16) return null
      const ip4 = parseIPv4(s.slice(i))
      if (ip4 === null) return null
      ip.splice(j, 4, ...ip4)
      i = s.length
      j += 4
      break
    }
    ip[j] = n >> 8
    ip[j + 1] = n & 0xff
    j += 2
    i = i1
    if (i === s.length) break
    if (s[i] !== ':' || i + 1 === s.length) return null
    i++
    if (s[i] === ':') {
      if (ellipsis >= 0) return null
      ellipsis = j
      if (++i === s.length) break
    }
  }
  if (i !== s.length) return null
  if (j < 16) {
    if (ellipsis < 0) return null
    const n = 16 - j
    for (let k = j - 1; k >= ellipsis; k--) ip[k + n] = ip[k]
    for (let k = ellipsis + n - 1; k >= ellipsis; k--) ip[k] = 0
  } else if (ellipsis >= 0) {
    return null // "::" must stand for at least one zero group
  }
  return ip
}

/** Go 1.7 net.ParseIP: the first `.` or `:` decides IPv4 or IPv6; the result is 16 bytes. */
export function goParseIP(s: string): number[] | null {
  for (const c of s) {
    if (c === '.') {
      const p = parseIPv4(s)
      return p === null ? null : [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...p]
    }
    if (c === ':') return parseIPv6(s)
  }
  return null
}

/** Go 1.7 net.IP.String() of a 16-byte address: IPv4-mapped as dotted quad, else RFC 5952 style. */
export function goIPString(p: readonly number[]): string {
  if (p.slice(0, 10).every((b) => b === 0) && p[10] === 0xff && p[11] === 0xff) return p.slice(12).join('.')
  let e0 = -1
  let e1 = -1
  for (let i = 0; i < 16; i += 2) {
    let j = i
    while (j < 16 && p[j] === 0 && p[j + 1] === 0) j += 2
    if (j > i && j - i > e1 - e0) {
      e0 = i
      e1 = j
      i = j
    }
  }
  if (e1 - e0 <= 2) {
    e0 = -1
    e1 = -1
  }
  let out = ''
  for (let i = 0; i < 16; i += 2) {
    if (i === e0) {
      out += '::'
      i = e1
      if (i >= 16) break
    } else if (i > 0) {
      out += ':'
    }
    out += ((p[i] << 8) | p[i + 1]).toString(16)
  }
  return out
}

// ---------------------------------------------------------------------------
// net/url.Parse (Go 1.7), only as far as the endpoint-list check needs it

interface GoUrl {
  scheme: string
  opaque: string
  hasUser: boolean
  host: string
  path: string
  rawPath: string
  rawQuery: string
  forceQuery: boolean
  fragment: string
}

const isHex = (c: string) => /^[0-9a-fA-F]$/.test(c)

/** Characters net/url accepts unescaped in a host (Go 1.7 shouldEscape with encodeHost). */
function hostCharOk(c: string): boolean {
  return /[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"]/.test(c)
}

/** Go 1.7 unescape(); throws the Go error text on malformed input. */
function goUnescape(s: string, mode: 'host' | 'path' | 'fragment'): string {
  const bytes: number[] = []
  const raw = Buffer.from(s, 'utf8')
  for (let i = 0; i < raw.length; ) {
    const c = raw[i]
    if (c === 0x25) {
      const h1 = String.fromCharCode(raw[i + 1] ?? 0)
      const h2 = String.fromCharCode(raw[i + 2] ?? 0)
      if (i + 2 >= raw.length || !isHex(h1) || !isHex(h2)) {
        throw new Error(`invalid URL escape ${goQuote(raw.subarray(i, i + 3).toString('latin1'))}`)
      }
      // RFC 3986: in a host, %-encoding is only for non-ASCII bytes, plus %25 (RFC 6874).
      if (mode === 'host' && Number.parseInt(h1, 16) < 8 && h1 + h2 !== '25') {
        throw new Error(`invalid URL escape ${goQuote('%' + h1 + h2)}`)
      }
      bytes.push(Number.parseInt(h1 + h2, 16))
      i += 3
    } else {
      if (mode === 'host' && c < 0x80 && !hostCharOk(String.fromCharCode(c))) {
        throw new Error(`invalid character ${goQuote(String.fromCharCode(c))} in host name`)
      }
      bytes.push(c)
      i++
    }
  }
  return Buffer.from(bytes).toString('latin1')
}

/** Go 1.7 url.Parse (not via request). Host and path are kept as byte strings (latin1). */
function goParseUrl(rawurl: string): GoUrl {
  const u: GoUrl = {scheme: '', opaque: '', hasUser: false, host: '', path: '', rawPath: '', rawQuery: '', forceQuery: false, fragment: ''}
  let rest: string
  const hash = rawurl.indexOf('#')
  const frag = hash >= 0 ? rawurl.slice(hash + 1) : ''
  rawurl = hash >= 0 ? rawurl.slice(0, hash) : rawurl
  if (rawurl === '*') {
    u.path = '*'
    return u
  }
  // getscheme
  rest = rawurl
  for (let i = 0; i < rawurl.length; i++) {
    const c = rawurl[i]
    if (/[A-Za-z]/.test(c)) continue
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) break
      continue
    }
    if (c === ':') {
      if (i === 0) throw new Error('missing protocol scheme')
      u.scheme = rawurl.slice(0, i).toLowerCase()
      rest = rawurl.slice(i + 1)
    }
    break
  }
  const q = rest.indexOf('?')
  if (q >= 0) {
    u.rawQuery = rest.slice(q + 1)
    u.forceQuery = u.rawQuery === ''
    rest = rest.slice(0, q)
  }
  if (!rest.startsWith('/') && u.scheme !== '') {
    u.opaque = rest // a rootless path after a scheme is opaque (RFC 3986)
  } else {
    if ((u.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
      let authority = rest.slice(2)
      rest = ''
      const slash = authority.indexOf('/')
      if (slash >= 0) {
        rest = authority.slice(slash)
        authority = authority.slice(0, slash)
      }
      const at = authority.lastIndexOf('@')
      let host = at < 0 ? authority : authority.slice(at + 1)
      if (host.startsWith('[')) {
        const close = host.lastIndexOf(']')
        if (close < 0) throw new Error("missing ']' in host")
        const colonPort = host.slice(close + 1)
        if (colonPort !== '' && !/^:\d*$/.test(colonPort)) throw new Error(`invalid port ${goQuote(colonPort)} after host`)
      }
      host = goUnescape(host, 'host')
      u.host = host
      u.hasUser = at >= 0
    }
    u.path = goUnescape(rest, 'path')
    // Go sets RawPath when the raw path is not the default escaping of Path: the only case
    // that matters here is an escaped path that decodes to "/" (e.g. "%2F"), which must fail.
    if (rest !== '' && rest !== '/' && u.path === '/') u.rawPath = rest
  }
  if (frag !== '') u.fragment = goUnescape(frag, 'fragment')
  return u
}

/** Go 1.7 URL.String() for what the endpoint check lets through. */
function goUrlString(u: GoUrl): string {
  let out = ''
  if (u.scheme !== '') out += u.scheme + ':'
  if (u.opaque !== '') out += u.opaque
  else {
    if (u.scheme !== '' || u.host !== '') {
      out += '//'
      // escape(host, encodeHost): only non-ASCII bytes and '%' need escaping here.
      for (const ch of u.host) {
        const b = ch.charCodeAt(0)
        out += b >= 0x80 || ch === '%' ? '%' + b.toString(16).toUpperCase().padStart(2, '0') : ch
      }
    }
    out += u.path
  }
  if (u.forceQuery || u.rawQuery !== '') out += '?' + u.rawQuery
  return out
}

// ---------------------------------------------------------------------------

const IFACE_LIST = /^[a-zA-Z0-9_-]{1,15}(,[a-zA-Z0-9_-]{1,15})*$/
const HOSTNAME = /^[a-zA-Z0-9_.-]+$/
const AUTHORITY = /^[^:/]+:\d+$/

/** Parse a raw string as Felix 2.0.x parses it for this kind (§2). */
export function parseKind(kind: KindSpec, raw: string, probe: FileProbe): ParseResult {
  switch (kind.type) {
    case 'bool': {
      const l = goToLower(raw)
      if (['true', '1', 'yes', 'y', 't'].includes(l)) return ok(true)
      if (['false', '0', 'no', 'n', 'f'].includes(l)) return ok(false)
      return fail('invalid boolean (one of true, 1, yes, y, t, false, 0, no, n, f; any case, no spaces)')
    }
    case 'int': {
      const r = goParseInt(raw, 0, 'ParseInt')
      if (!r.ok) return failWith('invalid int', r.goError)
      if (kind.min !== undefined && r.value < BigInt(kind.min)) return fail(`value must be at least ${kind.min}`)
      if (kind.max !== undefined && r.value > BigInt(kind.max)) return fail(`value must be at most ${kind.max}`)
      return ok(intValue(r.value))
    }
    case 'float': {
      const r = goParseFloat(raw)
      return r.ok ? ok(r.value) : failWith('invalid float', r.goError)
    }
    case 'mark-bitmask': {
      const r = goParseUint(raw, 0, 32)
      if (!r.ok) return fail(`invalid mark: should be 32-bit int (strconv.ParseUint: parsing ${goQuote(raw)}: ${r.err})`)
      const bits = r.value.toString(2).replace(/0/g, '').length
      if (bits < 2) return fail('invalid mark: needs to have 2 bits set')
      return ok(Number(r.value))
    }
    case 'oneof': {
      const hit = kind.values.find((v) => goToLower(v) === goToLower(raw))
      return hit === undefined ? fail(`unknown option (one of ${kind.values.join(', ')}; any case)`) : ok(hit)
    }
    case 'hostname':
      return HOSTNAME.test(raw) ? ok(raw) : fail('invalid hostname (letters, digits, _ . - only)')
    case 'authority':
      return AUTHORITY.test(raw) ? ok(raw) : fail('invalid URL authority (expected host:port, no scheme, no IPv6 literal)')
    case 'iface-list':
      return IFACE_LIST.test(raw)
        ? ok(raw)
        : fail('invalid Linux interface name (comma-separated prefixes of 1-15 of a-z A-Z 0-9 _ -, no spaces)')
    case 'ipv4': {
      const ip = goParseIP(raw)
      return ip === null ? fail('invalid IP') : ok(goIPString(ip))
    }
    case 'port-list': {
      const ports: number[] = []
      for (const piece of raw.split(',')) {
        const r = goParseInt(piece, 10, 'ParseInt')
        if (!r.ok) return failWith('ports should be integers', r.goError.replace('ParseInt', 'Atoi'))
        if (r.value < 0n || r.value > 65535n) return fail('ports must be in range 0-65535')
        ports.push(Number(r.value))
      }
      return ok(ports)
    }
    case 'endpoint-list':
      return parseEndpointList(raw)
    case 'file':
      return parseFile(kind, raw, probe)
    case 'string':
      return raw.includes('\n') ? fail('invalid string (must not contain a newline)') : ok(raw)
  }
}

function parseEndpointList(raw: string): ParseResult {
  const result: string[] = []
  for (let endpoint of raw.split(',')) {
    endpoint = endpoint.replace(/^ +| +$/g, '') // strings.Trim(endpoint, " "): spaces only
    if (endpoint === '') continue
    let u: GoUrl
    try {
      u = goParseUrl(endpoint)
    } catch (error) {
      return failWith(`${endpoint} is not a valid URL`, `parse ${endpoint}: ${(error as Error).message}`)
    }
    if (u.path === '') u.path = '/'
    if (u.opaque !== '' || u.hasUser || u.path !== '/' || u.rawPath !== '' || u.rawQuery !== '' || u.fragment !== '') {
      return failWith('endpoint contained unsupported URL part; expected http(s)://hostname:port only.', endpoint)
    }
    // Latin1 round trip: host bytes were kept as latin1 so non-ASCII re-escapes byte-wise.
    result.push(goUrlString(u))
  }
  return ok(result)
}

function parseFile(kind: Extract<KindSpec, {type: 'file'}>, raw: string, probe: FileProbe): ParseResult {
  if (kind.executable) {
    // First <felix-dir>/<value>: anything that exists there wins, even a directory.
    const mine = probe.felixDir + '/' + raw
    if (probe.exists(mine)) return ok(mine)
    // Then exec.LookPath: a value with a '/' is checked as given, else $PATH is searched.
    let found = ''
    if (raw.includes('/')) {
      if (probe.isExecutable(raw)) found = raw
    } else if (probe.pathEnv !== '') {
      for (let dir of probe.pathEnv.split(':')) {
        if (dir === '') dir = '.' // Unix shell semantics: an empty element means "."
        const candidate = posix.join(dir, raw)
        if (probe.isExecutable(candidate)) {
          found = candidate
          break
        }
      }
    }
    if (found === '' && kind.mustExist) return fail(`missing file (no ${mine}, and ${raw.includes('/') ? `${raw} is not an executable file` : `no executable ${raw} on PATH`})`)
    return ok(found)
  }
  if (kind.mustExist && raw !== '' && !probe.exists(raw)) return fail('failed to access file (it does not exist or cannot be reached)')
  return ok(raw)
}

/** The value `none` gives (§2): the Go zero value of the field. */
export function zeroValue(kind: KindSpec): TypedValue {
  switch (kind.type) {
    case 'bool':
      return false
    case 'int':
    case 'float':
    case 'mark-bitmask':
      return 0
    case 'ipv4':
      return null
    case 'port-list':
    case 'endpoint-list':
      return []
    default:
      return ''
  }
}

/** Short form as in Felix's struct tags: `int(0,65535)`, `oneof(DEBUG,INFO,...)`, `file(must-exist,executable)`. */
export function kindLabel(kind: KindSpec): string {
  switch (kind.type) {
    case 'int':
      return kind.min !== undefined || kind.max !== undefined ? `int(${kind.min ?? ''},${kind.max ?? ''})` : 'int'
    case 'oneof':
      return `oneof(${kind.values.join(',')})`
    case 'file': {
      const opts = [kind.mustExist ? 'must-exist' : '', kind.executable ? 'executable' : ''].filter(Boolean)
      return opts.length > 0 ? `file(${opts.join(',')})` : 'file'
    }
    default:
      return kind.type
  }
}

/** The accepted values in plain words, for `config explain`. */
export function describeKind(kind: KindSpec): string {
  switch (kind.type) {
    case 'bool':
      return 'boolean; true, 1, yes, y, t or false, 0, no, n, f (any case, no surrounding spaces)'
    case 'int': {
      const range =
        kind.min !== undefined || kind.max !== undefined
          ? `${kind.min ?? '-9223372036854775808'}..${kind.max ?? '9223372036854775807'}`
          : '64-bit signed'
      return `integer; decimal, 0x hex or leading-0 octal (010 is 8), optional sign, no spaces; ${range}`
    }
    case 'float':
      return 'number; decimal or exponent form (1.5, 2e3), inf, infinity or nan in any case; no hex, no spaces'
    case 'mark-bitmask':
      return 'unsigned 32-bit mask; decimal, 0x hex or leading-0 octal; at least 2 bits set'
    case 'oneof':
      return `one of ${kind.values.join(', ')} (any case; stored in that spelling)`
    case 'hostname':
      return 'host name or IPv4 address; letters, digits, _ . - only'
    case 'authority':
      return 'host:port (no scheme, no IPv6 literal)'
    case 'iface-list':
      return 'interface name prefixes, comma-separated without spaces; each 1-15 of a-z A-Z 0-9 _ -'
    case 'ipv4':
      return 'IP address (IPv4 dotted quad or IPv6; IPv6 is accepted despite the name)'
    case 'port-list':
      return 'comma-separated port numbers 0..65535 with no spaces (leading zeros are decimal); not empty'
    case 'endpoint-list':
      return 'comma-separated URLs scheme://host:port (spaces around commas allowed; no path, user, query or fragment)'
    case 'file': {
      if (kind.executable) {
        return "executable; looked up first in Felix's own directory (anything there wins), then on $PATH (a value with / is used as given)"
      }
      return kind.mustExist ? 'path to a file that must exist (empty is allowed)' : 'path (not checked)'
    }
    case 'string':
      return 'any text without a newline'
  }
}

/**
 * A FileProbe on the real file system.
 * felixDir defaults to /usr/bin: the calico-felix deb and rpm packages and the calico/node
 * image install the binary as /usr/bin/calico-felix, and osext.ExecutableFolder() is that
 * binary's directory.
 */
export function realFileProbe(opts: {felixDir?: string; pathEnv?: string} = {}): FileProbe {
  const stat = (p: string) => {
    try {
      return statSync(p) // os.Stat follows symbolic links; a broken one does not exist
    } catch {
      return undefined
    }
  }
  return {
    exists: (p) => stat(p) !== undefined,
    // exec.findExecutable: not a directory and any execute bit (root gets no special case).
    isExecutable: (p) => {
      const s = stat(p)
      return s !== undefined && !s.isDirectory() && (s.mode & 0o111) !== 0
    },
    felixDir: opts.felixDir ?? '/usr/bin',
    pathEnv: opts.pathEnv ?? process.env.PATH ?? '',
  }
}
