/**
 * felix.cfg reader: go-ini v1.24 parsing rules, then Felix 2.0's flattening of all sections
 * into one map (docs/reference/felix-2.0-config.md §3.2). This module is the single source of the
 * go-ini rules; the lossless editor (src/formats/felix-cfg-edit.ts) reuses `scanFelixCfg`.
 *
 * Decisions on go-ini v1.24 details the reference does not spell out (from go-ini's parser):
 * - Input is bytes. A UTF-8 BOM (EF BB BF) or a UTF-16 BOM (FE FF / FF FE) is skipped and
 *   nothing else: go-ini never decodes UTF-16 (go-ini issue #66, still open), so the rest of a
 *   UTF-16 file is read as UTF-8 bytes full of NULs. Such a file typically fails to load
 *   ("delimiter not found" on the line holding the NUL after the last newline), exactly as it
 *   does for Felix. Invalid UTF-8 is decoded with U+FFFD and parsing carries on.
 * - Section names are case-sensitive and NOT trimmed: `[ global ]` is the section " global ",
 *   `[default]` is an ordinary section, only `[DEFAULT]` merges with the keys before any header.
 *   The name runs to the LAST `]` of the line; text after it is ignored.
 * - A key may be quoted with `"`, `"""` (only when the raw line is longer than 6 bytes) or a
 *   backtick; the quoted text is trimmed, anything between the closing quote and the delimiter
 *   is ignored, and a missing closing quote fails the load.
 * - A backtick or `"""` value runs to the LAST such quote of its (first or last) line: text
 *   after it is dropped (no comment cut, no trim inside the quotes). `"""` opens a quoted value
 *   only when more than 3 characters follow the delimiter's whitespace (so a bare `"""` at
 *   the end of the file is a plain value).
 * - Whitespace is Go's unicode.IsSpace (includes NBSP, NEL and the Unicode spaces, not U+FEFF).
 */
import type {LayerDiagnostic, RawEntry} from './types.js'

export type FelixCfgParse =
  | {ok: true; entries: RawEntry[]; shadowed: RawEntry[]; diagnostics: LayerDiagnostic[]}
  | {ok: false; error: {message: string; line: number}}

/** How a value was written; the editor needs it to rewrite a value in place. */
export type FelixCfgValueStyle = 'plain' | 'backtick' | 'triple' | 'continuation' | 'multiline'

export interface FelixCfgSectionToken {
  kind: 'section'
  name: string
  /** 1-based line of the header. */
  line: number
  /** Offsets of the header line in the scanned text (end includes the line break). */
  start: number
  end: number
}

export interface FelixCfgKeyToken {
  kind: 'key'
  /** Section the key belongs to ("DEFAULT" before any header). */
  section: string
  /** Position of that section in Felix's flattening order (DEFAULT 0, then first appearance). */
  sectionIndex: number
  /** The key as go-ini stores it (`-` already turned into `#N`). */
  key: string
  value: string
  style: FelixCfgValueStyle
  /** 1-based first and last line of the entry (continuation/multi-line values span lines). */
  line: number
  endLine: number
  /** Offset of the entry's first line and the offset just after its last line (line break included). */
  start: number
  end: number
  /** Offset of the first character of the value text (after the delimiter and its whitespace). */
  valueStart: number
  /** plain: offset of the inline comment (`#`/`;`), -1 if none. Quoted single-line: offset after the closing quote. */
  tailStart: number
  /** Offset where the first line's content ends (before `\r\n` / `\n`). */
  contentEnd: number
  /**
   * continuation only: the value still ended in `\` when a blank line or the end of the file
   * stopped it, so a line added right after `end` would be swallowed into the value.
   * `consumedEnd` is the offset after the blank line go-ini consumed (equal to `end` at EOF).
   */
  continuationOpen?: boolean
  consumedEnd?: number
}

export type FelixCfgToken = FelixCfgSectionToken | FelixCfgKeyToken

export type FelixCfgScan =
  | {ok: true; tokens: FelixCfgToken[]; /** offset where parsing began (after a BOM) */ bodyStart: number}
  | {ok: false; error: {message: string; line: number}}

export const DEFAULT_SECTION = 'DEFAULT'

/** Go's unicode.IsSpace. */
export function isGoSpace(c: number): boolean {
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
}

function trimLeftGo(s: string): string {
  let i = 0
  while (i < s.length && isGoSpace(s.charCodeAt(i))) i++
  return i === 0 ? s : s.slice(i)
}

/** Go's strings.TrimSpace. */
export function trimGo(s: string): string {
  let i = 0
  let j = s.length
  while (i < j && isGoSpace(s.charCodeAt(i))) i++
  while (j > i && isGoSpace(s.charCodeAt(j - 1))) j--
  return i === 0 && j === s.length ? s : s.slice(i, j)
}

/** Index of the first `#` or `;` (Go strings.IndexAny(s, "#;")). */
function indexOfComment(s: string, from = 0): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x23 || c === 0x3b) return i
  }
  return -1
}

/** Index of the first `=` or `:`. */
function indexOfDelimiter(s: string, from = 0): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x3d || c === 0x3a) return i
  }
  return -1
}

/**
 * go-ini's hasSurroundedQuote: longer than 2, starts and ends with the quote, and the quote
 * occurs nowhere else. Such a value loses the pair.
 */
export function hasSurroundedQuote(s: string, quote: string): boolean {
  return s.length > 2 && s[0] === quote && s[s.length - 1] === quote && s.indexOf(quote, 1) === s.length - 1
}

/** Decode file bytes the way go-ini reads them: skip one BOM, read the rest as UTF-8. */
export function decodeFelixCfg(input: string | Buffer): {text: string; bodyStart: number} {
  if (typeof input === 'string') {
    return {text: input, bodyStart: input.charCodeAt(0) === 0xfeff ? 1 : 0}
  }
  let skip = 0
  if (input.length >= 2 && ((input[0] === 0xfe && input[1] === 0xff) || (input[0] === 0xff && input[1] === 0xfe))) skip = 2
  else if (input.length >= 3 && input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) skip = 3
  return {text: input.subarray(skip).toString('utf8'), bodyStart: 0}
}

function shorten(s: string): string {
  const t = s.replace(/\r?\n$/, '')
  return t.length > 80 ? `${t.slice(0, 77)}...` : t
}

class ScanError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message)
  }
}

/**
 * Scan felix.cfg text with go-ini v1.24's rules into section and key tokens, in file order.
 * Linear in the input size: every step scans forward by index.
 */
export function scanFelixCfg(text: string, bodyStart = text.charCodeAt(0) === 0xfeff ? 1 : 0): FelixCfgScan {
  const tokens: FelixCfgToken[] = []
  let pos = bodyStart
  let eof = false
  let lineNo = 0
  const len = text.length

  // bufio.Reader.ReadBytes('\n'): the line with its '\n'; at the end, what is left and EOF.
  const readUntil = (): {s: string; start: number} => {
    const start = pos
    if (pos >= len) {
      eof = true
      lineNo++
      return {s: '', start}
    }
    const nl = text.indexOf('\n', pos)
    lineNo++
    if (nl === -1) {
      pos = len
      eof = true
      return {s: text.slice(start), start}
    }
    pos = nl + 1
    return {s: text.slice(start, pos), start}
  }

  let section = DEFAULT_SECTION
  let sectionIndex = 0
  const sectionOrder = new Map<string, number>([[DEFAULT_SECTION, 0]])
  let counter = 1
  try {
    while (!eof) {
      const {s: rawLine, start: lineStart} = readUntil()
      const thisLine = lineNo
      const line = trimLeftGo(rawLine)
      if (line.length === 0) continue
      const indent = rawLine.length - line.length
      const c0 = line.charCodeAt(0)
      if (c0 === 0x23 || c0 === 0x3b) continue // # ; comment line
      if (c0 === 0x5b) {
        // [section]: up to the LAST ']' on the line.
        const close = line.lastIndexOf(']')
        if (close === -1) throw new ScanError(`unclosed section: ${shorten(line)}`, thisLine)
        const name = line.slice(1, close)
        if (name.length === 0) throw new ScanError('error creating new section: empty section name', thisLine)
        section = name
        let idx = sectionOrder.get(name)
        if (idx === undefined) {
          idx = sectionOrder.size
          sectionOrder.set(name, idx)
        }
        sectionIndex = idx
        counter = 1
        tokens.push({kind: 'section', name, line: thisLine, start: lineStart, end: pos})
        continue
      }

      // readKeyName
      let key: string
      let delimAt: number // index in `line` of the delimiter
      let keyQuote = ''
      if (c0 === 0x22) keyQuote = line.startsWith('"""') && Buffer.byteLength(line) > 6 ? '"""' : '"'
      else if (c0 === 0x60) keyQuote = '`'
      if (keyQuote) {
        const qpos = line.indexOf(keyQuote, keyQuote.length)
        if (qpos === -1) throw new ScanError(`missing closing key quote: ${shorten(line)}`, thisLine)
        const d = indexOfDelimiter(line, qpos + keyQuote.length)
        if (d === -1) throw new ScanError(`key-value delimiter not found: ${shorten(line)}`, thisLine)
        key = trimGo(line.slice(keyQuote.length, qpos))
        delimAt = d
      } else {
        const d = indexOfDelimiter(line)
        if (d === -1) throw new ScanError(`key-value delimiter not found: ${shorten(line)}`, thisLine)
        key = trimGo(line.slice(0, d))
        delimAt = d
      }
      if (key === '-') {
        key = `#${counter}`
        counter++
      }

      // readValue
      const contentEndInLine = rawLine.endsWith('\r\n') ? rawLine.length - 2 : rawLine.endsWith('\n') ? rawLine.length - 1 : rawLine.length
      const contentEnd = lineStart + contentEndInLine
      const afterDelim = line.slice(delimAt + 1)
      const vline = trimLeftGo(afterDelim)
      const valueStart = Math.min(lineStart + indent + delimAt + 1 + (afterDelim.length - vline.length), contentEnd)
      let value: string
      let style: FelixCfgValueStyle = 'plain'
      let tailStart = -1
      let endLine = thisLine
      let end = pos
      let continuationOpen: boolean | undefined
      let consumedEnd: number | undefined
      if (vline.length === 0) {
        value = ''
      } else {
        let valQuote = ''
        if (vline.length > 3 && vline.startsWith('"""')) valQuote = '"""'
        else if (vline.charCodeAt(0) === 0x60) valQuote = '`'
        if (valQuote) {
          const qlen = valQuote.length
          const close = vline.lastIndexOf(valQuote)
          if (close >= qlen) {
            value = vline.slice(qlen, close)
            style = valQuote === '`' ? 'backtick' : 'triple'
            tailStart = valueStart + close + qlen
          } else {
            // readMultilines: append whole lines until one holds the quote (its LAST occurrence).
            // go-ini's readMultilines appends whole lines until one holds the quote, then takes that
            // line up to the quote's LAST occurrence. The quote has no '\n', so the first occurrence
            // after here lies in that line: find it directly instead of line by line.
            const found = pos < len ? text.indexOf(valQuote, pos) : -1
            if (found === -1) {
              throw new ScanError(`missing closing key quote: the ${valQuote} value of ${key || '(empty key)'} opened here is not closed before the end of the file`, thisLine)
            }
            const closingLineStart = text.lastIndexOf('\n', found) + 1
            for (let i = text.indexOf('\n', pos); i !== -1 && i < closingLineStart; i = text.indexOf('\n', i + 1)) lineNo++
            pos = closingLineStart
            const {s: closingLine} = readUntil()
            const pieces = [vline.slice(qlen), text.slice(end, closingLineStart), closingLine.slice(0, closingLine.lastIndexOf(valQuote))]
            value = pieces.join('')
            style = 'multiline'
            endLine = lineNo
            end = pos
          }
        } else {
          let v = trimGo(vline)
          if (v.charCodeAt(v.length - 1) === 0x5c) {
            // readContinuationLines: comments are NOT cut, a blank line or a line not ending in '\' ends it.
            // go-ini appends each trimmed line and drops the last '\\' while the value ends in one.
            const pieces = [v.slice(0, -1)]
            for (;;) {
              const before = pos
              const beforeLine = lineNo
              const {s: raw} = readUntil()
              const next = trimGo(raw)
              if (next.length === 0) {
                // The blank line is consumed by go-ini but belongs to no entry.
                end = before
                endLine = beforeLine
                continuationOpen = true
                consumedEnd = pos
                break
              }
              endLine = lineNo
              end = pos
              if (next.charCodeAt(next.length - 1) !== 0x5c) {
                pieces.push(next)
                break
              }
              pieces.push(next.slice(0, -1))
            }
            value = pieces.join('')
            style = 'continuation'
          } else {
            const ci = indexOfComment(v)
            if (ci > -1) {
              tailStart = valueStart + ci // vline is left-trimmed, so v starts at its index 0
              v = trimGo(v.slice(0, ci))
            }
            if (hasSurroundedQuote(v, "'") || hasSurroundedQuote(v, '"')) v = v.slice(1, -1)
            value = v
          }
        }
      }
      if (key.length === 0) throw new ScanError('error creating new key: empty key name', thisLine)
      const token: FelixCfgKeyToken = {kind: 'key', section, sectionIndex, key, value, style, line: thisLine, endLine, start: lineStart, end, valueStart, tailStart, contentEnd}
      if (continuationOpen) Object.assign(token, {continuationOpen, consumedEnd})
      tokens.push(token)
    }
  } catch (error) {
    if (error instanceof ScanError) return {ok: false, error: {message: error.message, line: error.line}}
    throw error
  }
  return {ok: true, tokens, bodyStart}
}

export interface FelixCfgFlattened {
  /** Winning token per key, in Felix's flattening order. */
  winners: Map<string, FelixCfgKeyToken>
  /** Losing tokens (duplicates within a section and across sections), in file order. */
  shadowed: FelixCfgKeyToken[]
  /** Cross-section overrides: [winner, loser]. */
  overrides: Array<[FelixCfgKeyToken, FelixCfgKeyToken]>
}

/**
 * Felix's flattening: DEFAULT first, then sections in order of first appearance (a reopened
 * section merges into its first occurrence); the last duplicate within a section wins
 * silently, a later section overrides an earlier one with "Multiple values defined for key".
 */
export function flattenFelixCfg(tokens: FelixCfgToken[]): FelixCfgFlattened {
  // One pass with one Map lookup per key (10 MiB files can hold ~10^6 keys): a key seen once
  // wins outright; only keys seen several times are sorted out afterwards.
  const seen = new Map<string, FelixCfgKeyToken | FelixCfgKeyToken[]>()
  let sections = 1
  for (const t of tokens) {
    if (t.kind === 'section') continue
    if (t.sectionIndex >= sections) sections = t.sectionIndex + 1
    const prev = seen.get(t.key)
    if (prev === undefined) seen.set(t.key, t)
    else if (Array.isArray(prev)) prev.push(t)
    else seen.set(t.key, [prev, t])
  }
  const shadowed: FelixCfgKeyToken[] = []
  const overrides: Array<[FelixCfgKeyToken, FelixCfgKeyToken]> = []
  /** Sort a key's occurrences out: last one per section, later sections override earlier ones. */
  const settle = (v: FelixCfgKeyToken[]): {first: number; winner: FelixCfgKeyToken} => {
    const perSection = new Map<number, FelixCfgKeyToken>()
    for (const t of v) {
      const p = perSection.get(t.sectionIndex)
      if (p) shadowed.push(p)
      perSection.set(t.sectionIndex, t)
    }
    const bySection = [...perSection.entries()].sort((x, y) => x[0] - y[0])
    for (let i = 1; i < bySection.length; i++) {
      shadowed.push(bySection[i - 1][1])
      overrides.push([bySection[i][1], bySection[i - 1][1]])
    }
    return {first: bySection[0][0], winner: bySection[bySection.length - 1][1]}
  }
  let winners: Map<string, FelixCfgKeyToken>
  if (sections <= 1) {
    // One section: file order is Felix's order; settle duplicates in place (no re-insertion).
    for (const [key, v] of seen) if (Array.isArray(v)) seen.set(key, settle(v).winner)
    winners = seen as Map<string, FelixCfgKeyToken>
  } else {
    // Felix's map is filled section by section (DEFAULT first): order keys by their first
    // section in that order, then by first appearance.
    const order: Array<[number, number, string, FelixCfgKeyToken]> = []
    let n = 0
    for (const [key, v] of seen) {
      if (!Array.isArray(v)) order.push([v.sectionIndex, n++, key, v])
      else {
        const {first, winner} = settle(v)
        order.push([first, n++, key, winner])
      }
    }
    order.sort((x, y) => x[0] - y[0] || x[1] - y[1])
    winners = new Map()
    for (const [, , key, t] of order) winners.set(key, t)
  }
  overrides.sort((x, y) => x[0].sectionIndex - y[0].sectionIndex || x[0].line - y[0].line)
  shadowed.sort((a, b) => a.line - b.line)
  return {winners, shadowed, overrides}
}

function toEntry(t: FelixCfgKeyToken, path: string): RawEntry {
  return {layer: 'file', key: t.key, raw: t.value, origin: {type: 'file', path, section: t.section, line: t.line}}
}

/** Parse felix.cfg bytes (or text) as Felix 2.0 does: go-ini v1.24, then flatten (§3). */
export function parseFelixCfg(input: string | Buffer, path: string): FelixCfgParse {
  const {text, bodyStart} = decodeFelixCfg(input)
  const scan = scanFelixCfg(text, bodyStart)
  if (!scan.ok) return {ok: false, error: {message: `${path}:${scan.error.line}: ${scan.error.message}`, line: scan.error.line}}
  const flat = flattenFelixCfg(scan.tokens)
  const diagnostics: LayerDiagnostic[] = flat.overrides.map(([win, lose]) => ({
    severity: 'warning',
    code: 'file-multiple-values',
    key: win.key,
    origin: {type: 'file', path, section: win.section, line: win.line},
    message:
      `Multiple values defined for key ${win.key}: ${path} [${win.section}] line ${win.line} ` +
      `overrides [${lose.section}] line ${lose.line}`,
  }))
  return {
    ok: true,
    entries: [...flat.winners.values()].map((t) => toEntry(t, path)),
    shadowed: flat.shadowed.map((t) => toEntry(t, path)),
    diagnostics,
  }
}
