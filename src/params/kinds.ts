/**
 * The Felix 2.0.x parameter kinds (docs/reference/felix-2.0-config.md §2): how a raw string parses.
 *
 * Each parser reproduces the Go function Felix 2.0.x calls (built with Go 1.7):
 * strconv.ParseInt/ParseUint/ParseFloat/Atoi, net.ParseIP, net/url.Parse, exec.LookPath.
 * Failure reasons start with Felix's own message (the text after `value "<raw>": ` in
 * `Failed to parse config parameter ...`); where Felix hides the Go error, it follows in
 * parentheses so an operator can see *why*.
 *
 * The Go functions themselves are ports in src/params/go/ (strconv, net, net/url, %q quoting);
 * Go's strings.ToLower is src/lib/go-lower.ts.
 *
 * `none` is not handled here: the resolver turns it into zeroValue() (§2, §4.3).
 */
import {statSync} from 'node:fs'
import {posix} from 'node:path'

import {goToLower} from '../lib/go-lower.js'
import {goIPString, goParseIP} from './go/net.js'
import {goQuote} from './go/quote.js'
import {goParseFloat, goParseInt, goParseUint} from './go/strconv.js'
import {GoUrl, goParseUrl, goUrlString} from './go/url.js'
import type {FileProbe, KindSpec, ParseResult, TypedValue} from './types.js'

const ok = (value: TypedValue): ParseResult => ({ok: true, value})
const fail = (reason: string): ParseResult => ({ok: false, reason})
/** Felix's own text, with felixctl's Go detail added for people. */
const failWith = (felix: string, detail: string): ParseResult => ({ok: false, reason: `${felix} (${detail})`, felix})

/** Go's strings.ToLower (one implementation, in src/lib: the editors use it too). */
export {goToLower}

const intValue = (v: bigint): TypedValue => {
  const n = Number(v)
  return Number.isSafeInteger(n) ? n : v.toString()
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
