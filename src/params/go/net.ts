/** Go 1.7 net.ParseIP and net.IP.String(). */
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
