/**
 * Lossless editor for FELIX_ variables in a docker `--env-file`. Lines are recognised with
 * the same rules as the reader (src/layers/env.ts, Docker's opts/envfile.go). Felix matches
 * variable names case-insensitively, so every case-variant of FELIX_<NAME> is the same
 * variable: `set` changes the last one in place (it wins) and leaves the others alone,
 * `unset` removes them all. Every other byte is kept.
 */
import {UsageError} from '../errors.js'
import {goToLower} from '../lib/go-lower.js'

export type EnvFileEdit = {op: 'set'; name: string; value: string} | {op: 'unset'; name: string}

export interface EnvFileEditResult {
  text: string
  changed: boolean
  actions: string[]
}

interface EnvLine {
  /** 1-based line. */
  line: number
  start: number
  /** Offset after the line's content (before `\r\n` / `\n`). */
  contentEnd: number
  /** Offset after the line break. */
  end: number
  name: string
  /** Offset where the name starts. */
  nameStart: number
  hasValue: boolean
  value: string
}

function scanEnvLines(text: string): EnvLine[] {
  const out: EnvLine[] = []
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0
  let lineNo = 0
  while (pos < text.length) {
    const start = pos
    const nl = text.indexOf('\n', pos)
    const end = nl === -1 ? text.length : nl + 1
    let contentEnd = nl === -1 ? text.length : nl
    if (contentEnd > start && text[contentEnd - 1] === '\r') contentEnd--
    pos = end
    lineNo++
    const raw = text.slice(start, contentEnd)
    const lead = raw.length - raw.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/, '').length
    const line = raw.slice(lead)
    if (line.length === 0 || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    const nameField = eq === -1 ? line : line.slice(0, eq)
    const name = nameField.replace(/^[ \t]+/, '')
    if (name.length === 0 || /[ \t]/.test(name)) continue // Docker rejects these lines; not ours to touch
    out.push({
      line: lineNo,
      start,
      contentEnd,
      end,
      name,
      nameStart: start + lead + (nameField.length - name.length),
      hasValue: eq !== -1,
      value: eq === -1 ? '' : line.slice(eq + 1),
    })
  }
  return out
}

/** The parameter name an edit is about, without a FELIX_ prefix if one was given. */
function paramName(name: string): string {
  const bare = /^felix_/i.test(name) ? name.slice(6) : name
  if (bare.length === 0 || /[\s=\0]/.test(bare)) {
    throw new UsageError(`cannot write the variable FELIX_${bare} to an env file`, {
      hint: 'a variable name must be non-empty and contain no whitespace, = or NUL',
    })
  }
  return bare
}

function detectEol(text: string): string {
  const nl = text.indexOf('\n')
  return nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n'
}

/** Set or remove a FELIX_ variable in env-file text, losslessly. */
export function editEnvFile(text: string, edit: EnvFileEdit): EnvFileEditResult {
  const bare = paramName(edit.name)
  const wanted = `felix_${goToLower(bare)}`
  if (edit.op === 'set' && /[\r\n\0]/.test(edit.value)) {
    throw new UsageError(`an env file value cannot contain a line break or NUL: ${JSON.stringify(edit.value)}`, {
      hint: 'give the value on one line',
    })
  }
  const matches = scanEnvLines(text).filter((l) => goToLower(l.name) === wanted)
  const actions: string[] = []
  let out = text

  if (edit.op === 'unset') {
    // From the end, so earlier offsets stay valid.
    for (const l of [...matches].reverse()) out = out.slice(0, l.start) + out.slice(l.end)
    for (const l of matches) actions.push(`removed ${l.name} at line ${l.line}`)
    const bodyStart = text.charCodeAt(0) === 0xfeff ? 1 : 0
    if (text.length > bodyStart && !text.endsWith('\n') && out.endsWith('\n')) out = out.slice(0, out.endsWith('\r\n') ? -2 : -1)
    return {text: out, changed: out !== text, actions}
  }

  const last = matches.at(-1)
  if (last) {
    if (last.hasValue && last.value === edit.value) {
      actions.push(`${last.name} at line ${last.line} already has this value`)
    } else {
      out = text.slice(0, last.nameStart) + `${last.name}=${edit.value}` + text.slice(last.contentEnd)
      actions.push(`changed ${last.name} at line ${last.line}`)
    }
    for (const l of matches.slice(0, -1)) actions.push(`note: ${l.name} at line ${l.line} is overridden by line ${last.line}`)
  } else {
    const eol = detectEol(text)
    const newLine = `FELIX_${bare.toUpperCase()}=${edit.value}`
    const bodyStart = text.charCodeAt(0) === 0xfeff ? 1 : 0
    out = text.length > bodyStart && !text.endsWith('\n') ? text + eol + newLine : text + newLine + eol
    actions.push(`added ${newLine.slice(0, newLine.indexOf('='))}`)
  }
  return {text: out, changed: out !== text, actions}
}
