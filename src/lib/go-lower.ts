/**
 * Go's strings.ToLower: rune by rune (unicode.ToLower), with no context. Felix matches parameter
 * names case-insensitively with it (env var names, felix.cfg spellings, `none`), so every
 * case-insensitive lookup of a name goes through this one function. JavaScript's toLowerCase
 * differs for U+0130 (İ -> "i̇", Go: "i") and a final capital sigma (Go: σ, not ς), its only
 * context-dependent rule. Replacing those two first leaves nothing for context to change, so one
 * native toLowerCase does the rest: linear, no string built a character at a time.
 */
export function goToLower(s: string): string {
  return s.replace(GO_LOWER_SPECIAL, (ch) => (ch === '\u0130' ? 'i' : '\u03c3')).toLowerCase()
}
const GO_LOWER_SPECIAL = /[\u0130\u03a3]/g
