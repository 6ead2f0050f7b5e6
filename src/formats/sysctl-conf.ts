/**
 * Lossless reader and editor for sysctl.conf and sysctl.d(5) files, plus the tiny
 * modules-load.d(5) / /etc/modules list format. Pure: text in, text or data out.
 *
 * Every line is kept with its exact bytes and line ending, so an edit changes the
 * one value it means to and writes everything else back byte for byte.
 *
 * Two readers of the same line: systemd-sysctl (boot) and procps `sysctl --system`
 * disagree on a few corners (docs/reference/host-sysctl.md §2.5, verified against procps-ng
 * 4.0.2 and systemd 252): procps strips the leading `-` but not the blanks after it
 * (`- net.x = 1` names " net.x", which never exists); a `-key` line without a value
 * replaces an earlier assignment of the key for systemd, but only keeps globs off it for procps.
 */

export type SysctlLineKind = 'blank' | 'comment' | 'assignment' | 'exclude' | 'invalid'

export interface SysctlLine {
  /** 1-based line number. */
  line: number
  /** The line without its line ending. */
  raw: string
  /** The line ending as found: "\n", "\r\n" or "" (last line without one). */
  eol: string
  kind: SysctlLineKind
  /** The key as written (without the leading `-`), trimmed. */
  keyRaw?: string
  /** The key as systemd-sysctl reads it, normalised to its /proc/sys path form ("net/netfilter/nf_conntrack_max"). */
  key?: string
  /** The key as procps reads it, normalised; null when procps skips the line or the key can never match. */
  procpsKey?: string | null
  value?: string
  /** A leading `-`: failures to write the key are ignored. */
  ignoreFailure?: boolean
  /** The key contains glob characters. */
  glob?: boolean
  /** Offsets of the value inside `raw`, for surgical replacement. */
  valueStart?: number
  valueEnd?: number
}

export interface SysctlDocument {
  lines: SysctlLine[]
}

const GLOB_CHARS = /[*?[]/

/**
 * systemd's sysctl_normalize(): when the first separator is a dot, dots become
 * slashes and slashes become dots ("net.ipv4.conf.eth0/1.rp_filter" is
 * "net/ipv4/conf/eth0.1/rp_filter"); when it is a slash, the key is a path already.
 * Repeated slashes collapse and a leading slash is dropped.
 */
export function normalizeSysctlKey(key: string): string {
  const first = key.search(/[./]/)
  let out = key
  if (first >= 0 && key[first] === '.') {
    out = key.slice(0, first) + key.slice(first).replace(/[./]/g, (c) => (c === '.' ? '/' : '.'))
  }
  out = out.replace(/\/{2,}/g, '/')
  if (out.length > 1) out = out.replace(/^\/+/, '').replace(/\/+$/, '')
  return out
}

/** The dotted spelling operators know ("net.netfilter.nf_conntrack_max") of a normalised path key. */
export function sysctlKeyToDotted(path: string): string {
  return path.replace(/[./]/g, (c) => (c === '/' ? '.' : '/'))
}

export function isSysctlGlob(key: string): boolean {
  return GLOB_CHARS.test(key)
}

/**
 * Does a (normalised) key pattern match a (normalised) key path? Globs follow
 * glob(3) on /proc/sys paths, as both tools expand them: `*` and `?` never cross a `/`.
 */
export function sysctlKeyMatches(pattern: string, keyPath: string): boolean {
  if (!isSysctlGlob(pattern)) return pattern === keyPath
  return globToRegExp(pattern).test(keyPath)
}

function globToRegExp(pattern: string): RegExp {
  let re = '^'
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2)
      if (close < 0) {
        re += '\\['
        continue
      }
      let body = pattern.slice(i + 1, close)
      const negate = body.startsWith('!') || body.startsWith('^')
      if (negate) body = body.slice(1)
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => '\\' + m)}]`
      i = close
    } else re += c.replace(/[.+^${}()|\\/]/g, (m) => '\\' + m)
  }
  return new RegExp(re + '$')
}

/** Parse a whole sysctl.conf / sysctl.d file, keeping every byte. */
export function parseSysctlConf(text: string): SysctlDocument {
  const lines: SysctlLine[] = []
  const re = /([^\r\n]*)(\r\n|\n|\r(?!\n)|$)/g
  let n = 0
  let m: RegExpExecArray | null
  while ((m = re.exec(text)) !== null) {
    if (m[0] === '' && m.index >= text.length) break
    n++
    lines.push(parseSysctlLine(m[1], m[2], n))
    if (m[2] === '') break
  }
  return {lines}
}

/** Write a parsed document back: identical to the input when nothing was changed. */
export function serializeSysctlConf(doc: SysctlDocument): string {
  return doc.lines.map((l) => l.raw + l.eol).join('')
}

function parseSysctlLine(raw: string, eol: string, line: number): SysctlLine {
  const trimmed = raw.trim()
  if (trimmed === '') return {line, raw, eol, kind: 'blank'}
  if (trimmed[0] === '#' || trimmed[0] === ';') return {line, raw, eol, kind: 'comment'}
  const eq = raw.indexOf('=')
  if (eq < 0) {
    // systemd: "-key" without a value excludes the key from globs; anything else is not an assignment.
    if (trimmed[0] === '-') {
      const keyRaw = trimmed.slice(1).trim()
      return {line, raw, eol, kind: 'exclude', keyRaw, key: normalizeSysctlKey(keyRaw), procpsKey: procpsKeyOf(trimmed), ignoreFailure: true, glob: isSysctlGlob(keyRaw)}
    }
    return {line, raw, eol, kind: 'invalid'}
  }
  let name = raw.slice(0, eq).trim()
  const ignoreFailure = name.startsWith('-')
  const procpsKey = procpsKeyOf(name)
  if (ignoreFailure) name = name.slice(1).trim()
  let valueStart = eq + 1
  while (valueStart < raw.length && /\s/.test(raw[valueStart])) valueStart++
  let valueEnd = raw.length
  while (valueEnd > valueStart && /\s/.test(raw[valueEnd - 1])) valueEnd--
  const value = raw.slice(valueStart, valueEnd)
  if (name === '') return {line, raw, eol, kind: 'invalid'}
  return {
    line,
    raw,
    eol,
    kind: 'assignment',
    keyRaw: name,
    key: normalizeSysctlKey(name),
    procpsKey,
    value,
    ignoreFailure,
    glob: isSysctlGlob(name),
    valueStart,
    valueEnd,
  }
}

/** procps-ng 4.0.2: the name is trimmed, then one leading `-` is removed and nothing more. */
function procpsKeyOf(nameWithDash: string): string | null {
  let name = nameWithDash.trim()
  if (name.startsWith('-')) name = name.slice(1)
  if (name === '' || /^\s/.test(name)) return null
  return normalizeSysctlKey(name)
}

/**
 * The kernel's integer parser for proc_dointvec: optional blanks, an optional
 * `-`, a number in C base-0 notation (0x.. hex, 0.. octal, decimal), optional
 * trailing blanks. Anything else is EINVAL (null here).
 */
export function parseKernelInt(value: string): number | null {
  const m = /^\s*(-?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)\s*$/.exec(value)
  if (!m) return null
  const digits = m[2]
  const n = /^0[xX]/.test(digits) ? Number.parseInt(digits.slice(2), 16) : digits.length > 1 && digits[0] === '0' ? Number.parseInt(digits.slice(1), 8) : Number.parseInt(digits, 10)
  if (!Number.isSafeInteger(n)) return null
  return m[1] === '-' ? -n : n
}

export interface SetSysctlValueOptions {
  /** Lines written above a key that is added to an empty (new) file. */
  header?: string[]
}

export interface SetSysctlValueResult {
  text: string
  changed: boolean
  /** Lines removed because they were earlier duplicates of the key (1-based, in the old text). */
  removedLines: number[]
}

/**
 * Make `keyPath` (normalised) be `value` in `text`, surgically: the last explicit
 * definition of the key keeps its spelling and spacing and gets the new value;
 * earlier explicit definitions of the same key (the seed recipe's repeated
 * `echo >>` lines) are removed, so no two definitions can disagree. A `-key` line
 * (no value) after them becomes `-key = value`. Without a
 * definition, `key = value` is appended (after a newline if the file lacks one).
 * Globs and other keys are never touched.
 */
export function setSysctlValue(text: string, keyPath: string, value: string, options: SetSysctlValueOptions = {}): SetSysctlValueResult {
  const doc = parseSysctlConf(text)
  const explicit = (l: SysctlLine) => !l.glob && l.key === keyPath
  const defs = doc.lines.filter((l) => l.kind === 'assignment' && explicit(l))
  // systemd-sysctl reads a later "-key" line without a value as "do not set the key": that line gets the value
  // (keeping its "-", ignore failures); earlier excludes are harmless once an assignment follows them.
  const lastExclude = doc.lines.filter((l) => l.kind === 'exclude' && explicit(l)).at(-1)
  if (lastExclude && (defs.length === 0 || lastExclude.line > defs[defs.length - 1].line)) {
    const removed = new Set(defs.map((d) => d.line))
    const lines = doc.lines.filter((l) => !removed.has(l.line)).map((l) => (l === lastExclude ? {...l, raw: l.raw.trimEnd() + ' = ' + value} : l))
    return {text: serializeSysctlConf({lines}), changed: true, removedLines: [...removed]}
  }
  if (defs.length === 0) {
    const eol = detectEol(doc)
    let out = text
    if (out !== '' && !/[\r\n]$/.test(out)) out += eol
    if (out === '' && options.header) out += options.header.map((h) => h + eol).join('')
    out += `${sysctlKeyToDotted(keyPath)} = ${value}${eol}`
    return {text: out, changed: true, removedLines: []}
  }
  const last = defs[defs.length - 1]
  const removed = new Set(defs.slice(0, -1).map((d) => d.line))
  const lines: SysctlLine[] = []
  for (const l of doc.lines) {
    if (removed.has(l.line)) continue
    if (l === last && l.value !== value) {
      lines.push({...l, raw: l.raw.slice(0, l.valueStart) + value + l.raw.slice(l.valueEnd)})
    } else lines.push(l)
  }
  const out = serializeSysctlConf({lines})
  return {text: out, changed: out !== text, removedLines: [...removed]}
}

function detectEol(doc: SysctlDocument): string {
  return doc.lines.find((l) => l.eol !== '')?.eol ?? '\n'
}

/**
 * Module names listed in a modules-load.d(5) file (one per line, `#`/`;`
 * comments) or in Debian's /etc/modules (`#` comments, the first word is the
 * module, the rest are its arguments). `-` and `_` are the same in module names.
 */
export function parseModuleList(text: string, format: 'modules-load.d' | 'etc-modules'): {module: string; line: number}[] {
  const out: {module: string; line: number}[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const t = raw.trim()
    if (t === '' || t[0] === '#' || (format === 'modules-load.d' && t[0] === ';')) return
    const module = format === 'etc-modules' ? t.split(/\s+/)[0] : t
    out.push({module: module.replace(/-/g, '_'), line: i + 1})
  })
  return out
}
