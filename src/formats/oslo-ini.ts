/**
 * A lossless reader and surgical editor for the ini dialect of oslo.config
 * (`oslo_config.iniparser` + `cfg.ConfigParser`), which nova and neutron use to read
 * nova.conf, neutron.conf, ml2_conf.ini and dhcp_agent.ini (docs/reference/openstack.md §1).
 *
 * The document remembers every line byte for byte; edits replace or insert whole
 * lines and leave everything else untouched. Parsing follows iniparser.py line by
 * line, including its quirks: no inline comments, an indented line continues the
 * previous value (even one that looks like a comment), `[default]` is not `[DEFAULT]`.
 */

export type OsloLineKind = 'blank' | 'comment' | 'section' | 'assignment' | 'continuation'

export interface OsloLine {
  /** The line without its end-of-line sequence, exactly as in the file. */
  text: string
  /** '\n', '\r\n', '\r' or '' (the last line without a newline). */
  eol: string
  kind: OsloLineKind
}

export interface OsloAssignment {
  /** The section name exactly as written between the brackets. */
  section: string
  key: string
  /** The value as oslo.config sees it: stripped, quotes removed, continuation pieces joined with '\n'. */
  value: string
  /** 1-based line of the `key = value` line. */
  line: number
  /** 1-based last line of the assignment (its last continuation line). */
  endLine: number
  /** Offset in the first line's text where the value starts (what follows is replaced on edit). */
  valueOffset: number
}

export interface OsloSectionBlock {
  /** The name exactly as written. */
  name: string
  /** 1-based line of the header. */
  line: number
  /** 1-based last line that belongs to the block (before the next header, or the end of file). */
  endLine: number
}

export interface OsloIniDocument {
  lines: OsloLine[]
  sections: OsloSectionBlock[]
  assignments: OsloAssignment[]
  /** The end-of-line sequence used for inserted lines (the file's first one, else '\n'). */
  eol: string
}

/** What oslo.config raises for the file (the service would not start). */
export class OsloIniParseError extends Error {
  constructor(
    readonly reason: string,
    /** 1-based line, 0 when the whole file is at fault (not text). */
    readonly line: number,
    readonly lineText: string,
  ) {
    super(line > 0 ? `line ${line}: ${reason}: ${JSON.stringify(lineText)}` : reason)
    this.name = 'OsloIniParseError'
  }
}

// Python's str.isspace() set, which str.strip()/rstrip()/lstrip() remove (JS's \s differs:
// it lacks \x1c-\x1f and \x85 and has \ufeff).
const PY_SPACE = '\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000'

function isPySpace(ch: string): boolean {
  return PY_SPACE.includes(ch)
}

export function pyRstrip(s: string): string {
  let end = s.length
  while (end > 0 && isPySpace(s[end - 1])) end--
  return s.slice(0, end)
}

export function pyLstrip(s: string): string {
  let start = 0
  while (start < s.length && isPySpace(s[start])) start++
  return s.slice(start)
}

export function pyStrip(s: string): string {
  return pyLstrip(pyRstrip(s))
}

/** Decode file bytes as Python 3 would (UTF-8); refuse binary content. */
export function decodeOsloText(buf: Buffer): string {
  if (buf.includes(0)) throw new OsloIniParseError('not a text file (it contains NUL bytes)', 0, '')
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(buf)
  } catch {
    throw new OsloIniParseError('not a text file (it is not valid UTF-8, which Python cannot decode)', 0, '')
  }
}

/** Split like Python's universal-newline readlines(): '\r\n', '\r' and '\n' end a line. */
export function splitOsloLines(text: string): {text: string; eol: string}[] {
  const out: {text: string; eol: string}[] = []
  const re = /\r\n|\r|\n/g
  let start = 0
  let m: RegExpExecArray | null
  while ((m = re.exec(text)) !== null) {
    out.push({text: text.slice(start, m.index), eol: m[0]})
    start = m.index + m[0].length
  }
  if (start < text.length) out.push({text: text.slice(start), eol: ''})
  return out
}

/** oslo.config's group-name normalisation: DEFAULT stays, every other name is lower-cased. */
export function normalizeOsloSection(name: string): string {
  return name === 'DEFAULT' ? name : name.toLowerCase()
}

/** Parse a whole file. Throws OsloIniParseError exactly where oslo.config would. */
export function parseOsloIni(text: string): OsloIniDocument {
  const raw = splitOsloLines(text)
  const lines: OsloLine[] = []
  const sections: OsloSectionBlock[] = []
  const assignments: OsloAssignment[] = []
  let section: string | null = null
  let pending: (OsloAssignment & {pieces: string[]}) | null = null

  // oslo.config raises "no section" when it flushes the assignment, so it reports the line
  // being read at that moment (the next line, or the last one): report that line, as it does.
  const flush = (atLine: number) => {
    if (!pending) return
    if (section === null) {
      throw new OsloIniParseError(`Section must be started before assignment (the assignment on line ${pending.line})`, atLine, lines[pending.line - 1].text)
    }
    const {pieces, ...a} = pending
    assignments.push({...a, value: pieces.join('\n')})
    pending = null
  }

  for (let i = 0; i < raw.length; i++) {
    const lineNo = i + 1
    const {text: lineText, eol} = raw[i]
    const line = pyRstrip(lineText)
    const entry: OsloLine = {text: lineText, eol, kind: 'blank'}
    lines.push(entry)
    if (!line) {
      flush(lineNo)
      continue
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!pending) throw new OsloIniParseError('Unexpected continuation line', lineNo, lineText)
      entry.kind = 'continuation'
      pending.pieces.push(pyLstrip(line))
      pending.endLine = lineNo
      continue
    }
    flush(lineNo)
    if (line.startsWith('[')) {
      if (!line.endsWith(']')) throw new OsloIniParseError('Invalid section (must end with ])', lineNo, lineText)
      if (line.length <= 2) throw new OsloIniParseError('Empty section name', lineNo, lineText)
      section = line.slice(1, -1)
      entry.kind = 'section'
      if (sections.length) sections[sections.length - 1].endLine = lineNo - 1
      sections.push({name: section, line: lineNo, endLine: raw.length})
    } else if (line.startsWith('#') || line.startsWith(';')) {
      entry.kind = 'comment'
    } else {
      const colon = line.indexOf(':')
      const equal = line.indexOf('=')
      if (colon < 0 && equal < 0) throw new OsloIniParseError("No ':' or '=' found in assignment", lineNo, lineText)
      const sep = colon < 0 || (equal >= 0 && equal < colon) ? equal : colon
      const key = pyStrip(line.slice(0, sep))
      let value = pyStrip(line.slice(sep + 1))
      if (!key) throw new OsloIniParseError('Key cannot be empty', lineNo, lineText)
      // The value starts after the separator and the blanks that follow it.
      let valueOffset = sep + 1
      while (valueOffset < line.length && isPySpace(line[valueOffset])) valueOffset++
      if (value && value[0] === value[value.length - 1] && (value[0] === '"' || value[0] === "'")) value = value.slice(1, -1)
      entry.kind = 'assignment'
      pending = {section: section ?? '', key, value: '', line: lineNo, endLine: lineNo, valueOffset, pieces: [value]}
    }
  }
  flush(raw.length)
  const eol = raw.find((l) => l.eol)?.eol ?? '\n'
  return {lines, sections, assignments, eol}
}

/** Serialise a document: byte for byte what was read, plus any edits. */
export function serializeOsloIni(doc: OsloIniDocument): string {
  return doc.lines.map((l) => l.text + l.eol).join('')
}

/** Assignments of `key` in `section` (oslo's matching: DEFAULT exact, other names case-insensitive), in file order. */
export function findOsloAssignments(doc: OsloIniDocument, section: string, key: string): OsloAssignment[] {
  const want = normalizeOsloSection(section)
  return doc.assignments.filter((a) => a.key === key && normalizeOsloSection(a.section) === want)
}

/** The value oslo.config uses for a single-valued option in one file: the last occurrence. */
export function getOsloValue(doc: OsloIniDocument, section: string, key: string): OsloAssignment | undefined {
  const all = findOsloAssignments(doc, section, key)
  return all[all.length - 1]
}

// ---------------------------------------------------------------------------
// Editing. Every edit re-parses the document so line numbers stay right; the
// documents are small enough (a sample nova.conf is ~5000 lines) for this to be cheap.

/** Replace the value of an existing assignment (and drop its continuation lines). */
export function replaceOsloValue(doc: OsloIniDocument, assignment: OsloAssignment, value: string): OsloIniDocument {
  const first = doc.lines[assignment.line - 1]
  const prefix = first.text.slice(0, assignment.valueOffset)
  const lastEol = doc.lines[assignment.endLine - 1].eol
  const replacement: OsloLine = {text: prefix + value, eol: lastEol, kind: 'assignment'}
  const lines = [...doc.lines.slice(0, assignment.line - 1), replacement, ...doc.lines.slice(assignment.endLine)]
  return reparse(lines)
}

export interface InsertOsloOptions {
  /** Comment lines (without the leading '# ') written just before the new key. */
  comments?: string[]
}

/**
 * Add `key = value` to `section`: after the sample's commented-out `#key = ...` line
 * when the section has one, else after the section's last assignment, else right
 * after its header. A missing section is appended at the end of the file.
 */
export function insertOsloValue(doc: OsloIniDocument, section: string, key: string, value: string, options: InsertOsloOptions = {}): OsloIniDocument {
  const eol = doc.eol
  const newLines: OsloLine[] = [
    ...(options.comments ?? []).map((c): OsloLine => ({text: `# ${c}`, eol, kind: 'comment'})),
    {text: `${key} = ${value}`, eol, kind: 'assignment'},
  ]
  const want = normalizeOsloSection(section)
  const blocks = doc.sections.filter((s) => normalizeOsloSection(s.name) === want)
  const lines = [...doc.lines]
  if (blocks.length === 0) {
    ensureFinalEol(lines, eol)
    const last = lines[lines.length - 1]
    if (last && pyRstrip(last.text) !== '') lines.push({text: '', eol, kind: 'blank'})
    lines.push({text: `[${section}]`, eol, kind: 'section'}, ...newLines)
    return reparse(lines)
  }
  // 1. After a commented sample line for the key (`#key = default`), in any block of the section.
  const sample = new RegExp(`^[#;]\\s*${escapeRegExp(key)}\\s*[=:]`)
  for (const b of blocks) {
    for (let n = b.line + 1; n <= b.endLine; n++) {
      const l = doc.lines[n - 1]
      if (l.kind === 'comment' && sample.test(l.text)) {
        // A line that follows directly and is indented would continue our new value: never the case
        // after a comment (oslo ends the pending assignment at a comment), so inserting here is safe.
        return reparse(spliceLines(lines, n, newLines, eol))
      }
    }
  }
  // 2. After the last assignment of the last block; 3. else right after the header.
  const b = blocks[blocks.length - 1]
  const inBlock = doc.assignments.filter((a) => a.line > b.line && a.line <= b.endLine)
  const after = inBlock.length ? inBlock[inBlock.length - 1].endLine : b.line
  return reparse(spliceLines(lines, after, newLines, eol))
}

function spliceLines(lines: OsloLine[], afterLine: number, insert: OsloLine[], eol: string): OsloLine[] {
  const out = [...lines]
  // The line we insert after may be the last one, without a newline.
  if (afterLine >= 1 && out[afterLine - 1].eol === '') out[afterLine - 1] = {...out[afterLine - 1], eol}
  const ins = insert.map((l, i) => (afterLine === out.length && i === insert.length - 1 && lines[lines.length - 1]?.eol === '' ? {...l, eol: ''} : l))
  out.splice(afterLine, 0, ...ins)
  return out
}

function ensureFinalEol(lines: OsloLine[], eol: string): void {
  const last = lines[lines.length - 1]
  if (last && last.eol === '') lines[lines.length - 1] = {...last, eol}
}

function reparse(lines: OsloLine[]): OsloIniDocument {
  return parseOsloIni(lines.map((l) => l.text + l.eol).join(''))
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

// ---------------------------------------------------------------------------
// oslo.config's value types (oslo_config/types.py), as far as Calico's options need them.

const TRUE_VALUES = ['true', '1', 'on', 'yes']
const FALSE_VALUES = ['false', '0', 'off', 'no']

/** types.Boolean: true/false, yes/no, on/off, 1/0, case-insensitive; undefined when oslo would reject it. */
export function parseOsloBool(value: string): boolean | undefined {
  const s = value.toLowerCase()
  if (TRUE_VALUES.includes(s)) return true
  if (FALSE_VALUES.includes(s)) return false
  return undefined
}

/** types.Integer: Python int() of the stripped value; undefined when oslo would reject it. */
export function parseOsloInt(value: string): number | undefined {
  const s = pyStrip(value)
  if (!/^[+-]?\d+(?:_\d+)*$/.test(s)) return undefined
  return Number.parseInt(s.replace(/_/g, ''), 10)
}

/** types.List of String: strip, drop trailing commas, split on ',', strip each item. */
export function parseOsloList(value: string): string[] {
  const s = pyStrip(value).replace(/,+$/, '')
  if (!s) return []
  return s.split(',').map(pyStrip)
}
