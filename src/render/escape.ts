/**
 * What text output does to strings from input (files, env, etcd, snapshots, flags) before a
 * terminal sees them, after kubectl's printers.EscapeTerminal: a value or host name must never
 * clear the screen, set the window title or reorder the line. Every control is shown as a
 * visible escape (\x1b, \u009b) so the operator sees what is there. JSON and YAML output are
 * data formats with their own escaping and do not go through here.
 *
 * Everything is one native regular-expression pass: linear in the length of the input.
 */

/**
 * Escaped: C0 controls (tab and newline too: a field must stay on its line), DEL, C1 controls
 * (U+0080–U+009F: U+009B is a CSI on some terminals), the line and paragraph separators,
 * the bidirectional formatting characters (which can make text read differently from what it
 * is), the byte order mark, lone surrogates, and U+FFFD (what invalid UTF-8 decodes to).
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
/** The same, but newlines are kept: for multi-line messages whose lines felixctl laid out. */
const UNSAFE_BUT_NEWLINE = new RegExp(UNSAFE.source.replace('\\x00-\\x1f', '\\x00-\\x09\\x0b-\\x1f'), 'g')
/** The same, but the SGR colour sequences felixctl's own painter writes are kept (colour on only). */
const SGR = /\x1b\[[0-9;]*m/y

const NAMED: Record<string, string> = {'\t': '\\t', '\n': '\\n', '\r': '\\r'}

function visible(ch: string): string {
  const named = NAMED[ch]
  if (named !== undefined) return named
  const c = ch.charCodeAt(0)
  return c < 0x80 ? '\\x' + c.toString(16).padStart(2, '0') : '\\u' + c.toString(16).padStart(4, '0')
}

/** A string from input as one line of terminal text: every control and invisible formatter shown as an escape. */
export function escapeTerminal(s: string): string {
  return s.replace(UNSAFE, visible)
}

/**
 * Multi-line text (an error message, rendered diagnostics) as terminal text: like escapeTerminal,
 * but its newlines stay newlines; with `keepColour`, the SGR sequences of felixctl's own painter
 * stay too (they only set colours: they cannot move the cursor, clear or retitle the screen).
 */
export function escapeTerminalText(s: string, keepColour = false): string {
  if (!keepColour) return s.replace(UNSAFE_BUT_NEWLINE, visible)
  return s.replace(UNSAFE_BUT_NEWLINE, (ch, offset: number) => {
    if (ch !== '\x1b') return visible(ch)
    SGR.lastIndex = offset
    return SGR.test(s) ? ch : visible(ch)
  })
}

/** How many characters of one input string text output shows (JSON and YAML show all). */
export const SHOWN_CHARS = 256

/**
 * A long string cut for text output, with its length shown: `head…(1048576 chars)`. Tables and
 * messages stay small, so their layout costs stay linear in the input, whatever its size.
 * Never splits a surrogate pair.
 */
export function clipText(s: string, max = SHOWN_CHARS): string {
  return s.length <= max ? s : `${clipEnd(s, max)}…(${s.length} chars)`
}

/** A string from input as one field of text output: clipped, then escaped. */
export function showField(s: string, max = SHOWN_CHARS): string {
  return escapeTerminal(clipText(s, max))
}

/** A raw value quoted for text output (`"a\u001b"`, JSON's quoting): clipped, then escaped. */
export function showQuoted(s: string, max = SHOWN_CHARS): string {
  if (s.length <= max) return escapeTerminal(JSON.stringify(s))
  const clipped = clipText(s, max)
  const cut = clipped.lastIndexOf('…(')
  return escapeTerminal(JSON.stringify(clipped.slice(0, cut))) + clipped.slice(cut)
}

/** A long line of a message cut for text output, keeping its start and its end (the reason). */
export const SHOWN_LINE_CHARS = 2000
export function clipLines(text: string, max = SHOWN_LINE_CHARS): string {
  if (text.length <= max) return text
  return text
    .split('\n')
    .map((line) => {
      if (line.length <= max) return line
      const head = clipEnd(line, Math.floor(max * 0.6))
      const tail = clipStart(line, line.length - Math.floor(max * 0.3))
      return `${head}…(${line.length - head.length - tail.length} of ${line.length} chars not shown)…${tail}`
    })
    .join('\n')
}

/** The first n code units of s, one fewer when the cut would split a surrogate pair. */
function clipEnd(s: string, n: number): string {
  const last = s.charCodeAt(n - 1)
  return s.slice(0, last >= 0xd800 && last <= 0xdbff ? n - 1 : n)
}

/** s from code unit i, one later when the cut would split a surrogate pair. */
function clipStart(s: string, i: number): string {
  const first = s.charCodeAt(i)
  return s.slice(first >= 0xdc00 && first <= 0xdfff ? i + 1 : i)
}
