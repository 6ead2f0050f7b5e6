/**
 * Lossless felix.cfg editor. It scans the file with the reader's go-ini rules
 * (src/layers/felix-cfg.ts, the single source of those rules), changes only the lines of the
 * entry concerned, and writes every other byte back as it was (comments, blank lines, order,
 * CRLF/LF, a missing final newline, a BOM).
 *
 * Decisions:
 * - set changes the occurrence Felix uses (the winner after flattening), in place: indent, key
 *   spelling, delimiter and the spacing around it are kept. An inline comment after a
 *   single-line value is kept too (go-ini cuts it, so it is still a comment), unless keeping it
 *   would change what go-ini reads (e.g. a backtick inside the comment after a backtick value),
 *   in which case it is dropped. A continuation or multi-line value becomes one line.
 * - A new key goes after the last entry of the first section: the keys before any header if
 *   there are some, else the first `[section]` block. A file with no header and no key gets
 *   `[global]` appended after whatever comments it has (at the top when it is empty).
 * - Values are written bare when go-ini reads them back unchanged; otherwise in backticks;
 *   a value holding a backtick that needs protection is written in `"""`. The result is always
 *   re-read with the reader and must give exactly the value, or the edit is refused.
 */
import {CheckFailedError, UsageError} from '../errors.js'
import {goToLower} from '../lib/go-lower.js'
import {
  flattenFelixCfg,
  hasSurroundedQuote,
  isGoSpace,
  scanFelixCfg,
  trimGo,
  type FelixCfgKeyToken,
  type FelixCfgToken,
} from '../layers/felix-cfg.js'

export type FelixCfgEdit = {op: 'set'; name: string; value: string} | {op: 'unset'; name: string}

export interface FelixCfgEditResult {
  text: string
  changed: boolean
  /** Human-readable, one per change or note, with 1-based line numbers of the original text. */
  actions: string[]
  /** set: the 1-based line of the key in the new text. */
  line?: number
}

/** Would go-ini read `value` back unchanged when written bare after `Key = `? */
function isBareSafe(value: string): boolean {
  if (value.length === 0) return true
  if (trimGo(value) !== value) return false
  if (value.includes('#') || value.includes(';')) return false
  if (value.startsWith('`') || value.startsWith('"""')) return false
  if (value.endsWith('\\')) return false
  if (hasSurroundedQuote(value, "'") || hasSurroundedQuote(value, '"')) return false
  return true
}

/** How to write a value so that go-ini reads exactly `value` back. */
export function encodeFelixCfgValue(value: string): string {
  if (/[\r\n]/.test(value)) {
    throw new UsageError(`a felix.cfg value cannot contain a line break: ${JSON.stringify(value)}`, {
      hint: 'Felix parameters never take multi-line values; give the value on one line',
    })
  }
  if (isBareSafe(value)) return value
  if (!value.includes('`')) return `\`${value}\``
  // go-ini takes a `"""` value up to the LAST `"""` of the line, so any one-line text fits.
  return `"""${value}"""`
}

function checkKeyName(name: string): void {
  const bad =
    name.length === 0 ||
    trimGo(name) !== name ||
    /[=:\r\n]/.test(name) ||
    /^[#;["`]/.test(name) ||
    name === '-'
  if (bad) {
    throw new UsageError(`cannot write the key ${JSON.stringify(name)} to felix.cfg`, {
      hint: 'a felix.cfg key must be non-empty, without surrounding spaces, and must not contain = or : or start with # ; [ " or `',
    })
  }
}

function detectEol(text: string): string {
  const nl = text.indexOf('\n')
  return nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n'
}

interface Splice {
  start: number
  end: number
  insert: string
}

function applySplices(text: string, splices: Splice[]): string {
  const sorted = [...splices].sort((a, b) => b.start - a.start || b.end - a.end)
  let out = text
  for (const s of sorted) out = out.slice(0, s.start) + s.insert + out.slice(s.end)
  return out
}

/** The removal splice for an entry's lines (a missing final newline is restored afterwards). */
function removalOf(t: FelixCfgKeyToken): Splice {
  return {start: t.start, end: t.end, insert: ''}
}

/** The text of the line that holds an entry's rewritten value. */
function rewriteLine(text: string, t: FelixCfgKeyToken, encoded: string, keepTail: boolean): string {
  let prefix = text.slice(t.start, t.valueStart)
  if (t.value === '' && t.style === 'plain' && encoded !== '') {
    // `Key =` had no space after the delimiter because there was no value: mirror the spacing before it.
    const last = prefix.charCodeAt(prefix.length - 1)
    if (!isGoSpace(last)) {
      const delimAt = prefix.length - 1
      const before = prefix.charCodeAt(delimAt - 1)
      if (isGoSpace(before)) prefix += ' '
    }
  }
  let tail = ''
  if (keepTail && t.line === t.endLine && t.tailStart >= 0) {
    if (t.style === 'plain') {
      // Keep the spacing between the value and the comment.
      let ws = t.tailStart
      while (ws > t.valueStart && isGoSpace(text.charCodeAt(ws - 1))) ws--
      tail = (encoded === '' ? '' : text.slice(ws, t.tailStart)) + text.slice(t.tailStart, t.contentEnd)
      if (encoded === '' && tail !== '' && !isGoSpace(prefix.charCodeAt(prefix.length - 1))) tail = ` ${tail}`
    } else {
      const rest = text.slice(t.tailStart, t.contentEnd)
      if (/^[\t ]*[#;]/.test(rest)) tail = rest
    }
  }
  // The line break of the entry's last line, if it had one.
  const lastBreak = text[t.end - 1] !== '\n' ? '' : text[t.end - 2] === '\r' ? '\r\n' : '\n'
  return prefix + encoded + tail + lastBreak
}

function parseOrThrow(text: string): FelixCfgToken[] {
  const scan = scanFelixCfg(text)
  if (!scan.ok) {
    throw new CheckFailedError(`felix.cfg does not load (line ${scan.error.line}: ${scan.error.message}); Felix would not start with it`, {
      code: 'file-load',
      hint: 'fix that line by hand first; felixctl edits only files that go-ini can read',
    })
  }
  return scan.tokens
}

/** Add or change (`set`) or remove (`unset`) one key in felix.cfg text, losslessly. */
export function editFelixCfg(text: string, edit: FelixCfgEdit, options: {fixSpelling?: boolean} = {}): FelixCfgEditResult {
  checkKeyName(edit.name)
  const encoded = edit.op === 'set' ? encodeFelixCfgValue(edit.value) : ''
  const tokens = parseOrThrow(text)
  const keys = tokens.filter((t): t is FelixCfgKeyToken => t.kind === 'key')
  const exact = keys.filter((t) => t.key === edit.name)
  const lower = goToLower(edit.name)
  const others = keys.filter((t) => t.key !== edit.name && goToLower(t.key) === lower)
  const actions: string[] = []
  const splices: Splice[] = []

  if (options.fixSpelling) {
    for (const t of others) {
      splices.push(removalOf(t))
      actions.push(`removed non-canonical ${t.key} at line ${t.line}`)
    }
  }

  if (edit.op === 'unset') {
    for (const t of exact) {
      splices.push(removalOf(t))
      actions.push(`removed ${t.key} from [${t.section}] at line ${t.line}`)
    }
  } else {
    const winner = flattenFelixCfg(tokens).winners.get(edit.name)
    if (winner) {
      if (winner.value === edit.value) {
        actions.push(`${edit.name} in [${winner.section}] at line ${winner.line} already has this value`)
      } else {
        let replacement = rewriteLine(text, winner, encoded, true)
        const check = scanFelixCfg(replacement)
        const reads = check.ok && check.tokens.length === 1 && check.tokens[0].kind === 'key' && check.tokens[0].value === edit.value
        if (!reads) replacement = rewriteLine(text, winner, encoded, false)
        splices.push({start: winner.start, end: winner.end, insert: replacement})
        actions.push(`changed ${edit.name} in [${winner.section}] at line ${winner.line}`)
      }
    } else {
      const removed = new Set<FelixCfgToken>(options.fixSpelling ? others : [])
      const staying = tokens.filter((t) => !removed.has(t))
      if (staying.length === 0 && removed.size > 0) {
        // The file held only other spellings of the name: the canonical one takes the first's place.
        const first = others[0]
        splices.push({start: first.start, end: first.start, insert: `${edit.name} = ${encoded}${detectEol(text)}`})
        actions.push(`added ${edit.name} to [DEFAULT]`)
      } else {
        splices.push(insertionFor(text, staying, `${edit.name} = ${encoded}`, actions, edit.name))
      }
    }
  }

  if (!options.fixSpelling) {
    for (const t of others) {
      actions.push(`note: non-canonical spelling ${t.key} at line ${t.line} overrides (use --fix-spelling)`)
    }
  }

  let out = splices.length === 0 ? text : applySplices(text, splices)
  const bodyStart = text.charCodeAt(0) === 0xfeff ? 1 : 0
  if (text.length > bodyStart && !text.endsWith('\n') && out.endsWith('\n')) {
    // The unterminated last line was removed: keep the file without a final newline.
    out = out.slice(0, out.endsWith('\r\n') ? -2 : -1)
  }
  const result: FelixCfgEditResult = {text: out, changed: out !== text, actions}
  if (edit.op === 'set') {
    const after = scanFelixCfg(out)
    const win = after.ok ? flattenFelixCfg(after.tokens).winners.get(edit.name) : undefined
    if (!win || win.value !== edit.value) {
      throw new UsageError(`cannot write ${edit.name} = ${JSON.stringify(edit.value)} to felix.cfg so that Felix reads it back unchanged`, {
        hint: 'edit the file by hand, or choose a value without backticks and quotes',
      })
    }
    result.line = win.line
  }
  return result
}

/** Where and how to add a new `Name = value` line; `tokens` are the ones that stay (removed spellings left out). */
function insertionFor(text: string, tokens: FelixCfgToken[], newLine: string, actions: string[], name: string): Splice {
  const eol = detectEol(text)
  const firstSection = tokens.findIndex((t) => t.kind === 'section')
  const preHeader = (firstSection === -1 ? tokens : tokens.slice(0, firstSection)) as FelixCfgKeyToken[]
  let at: number
  let section: string
  let addHeader = false
  let after: FelixCfgKeyToken | undefined
  if (preHeader.length > 0) {
    after = preHeader[preHeader.length - 1]
    at = after.end
    section = 'DEFAULT'
  } else if (firstSection !== -1) {
    const header = tokens[firstSection]
    section = header.kind === 'section' ? header.name : ''
    at = header.end
    for (let i = firstSection + 1; i < tokens.length; i++) {
      const t = tokens[i]
      if (t.kind !== 'key') break
      after = t
      at = t.end
    }
  } else {
    at = text.length
    section = 'global'
    addHeader = true
  }
  let body = addHeader ? `[global]${eol}${newLine}` : newLine
  if (after?.continuationOpen) {
    // A value that still ends in '\\' would swallow the new line: go past the blank line that
    // ended it, or at the end of the file add such a blank line first.
    if (after.consumedEnd !== undefined && after.consumedEnd > after.end) at = after.consumedEnd
    else body = eol + body
  }
  const bodyStart = text.charCodeAt(0) === 0xfeff ? 1 : 0
  if (at === text.length && text.length > bodyStart && !text.endsWith('\n')) {
    // Keep a missing final newline missing: break the old last line, leave the new one open.
    actions.push(`added ${name} to [${section}]${addHeader ? ' (new section)' : ''}`)
    return {start: at, end: at, insert: eol + body}
  }
  actions.push(`added ${name} to [${section}]${addHeader ? ' (new section)' : ''}`)
  return {start: at, end: at, insert: body + eol}
}
