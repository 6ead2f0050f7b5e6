/** Go 1.7 net/url.Parse and URL.String(), as far as Felix's endpoint-list check needs them. */
import {goQuote} from './quote.js'

// ---------------------------------------------------------------------------
// net/url.Parse (Go 1.7), only as far as the endpoint-list check needs it

export interface GoUrl {
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
export function goParseUrl(rawurl: string): GoUrl {
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
export function goUrlString(u: GoUrl): string {
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
