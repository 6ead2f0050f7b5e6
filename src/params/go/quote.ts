/** Go's %q (strconv.Quote) as Felix's messages print raw values: one port, for every message that quotes. */
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
