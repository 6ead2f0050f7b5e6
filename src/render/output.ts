/**
 * The output formats every command shares (docs/output-formats.md), in one place:
 * `-o table|wide|json|yaml|value|jsonpath=EXPR|custom-columns=SPEC` and `--no-headers`, with
 * kubectl's spelling and meaning. Text renderers draw table and wide; everything else is drawn
 * here from the command's JSON document (a "view": the document, its items, its values).
 */
import {UsageError} from '../errors.js'
import {escapeTerminal} from './escape.js'
import {jsonReplacer, renderTable, toJson, toYaml} from './format.js'

/** Every format name felixctl knows; a command accepts those that apply to it. */
export type OutputName = 'table' | 'wide' | 'json' | 'yaml' | 'value' | 'jsonpath' | 'custom-columns' | 'ini' | 'env' | 'text'

export interface OutputFormat {
  name: OutputName
  /** jsonpath=EXPR: the parsed template. */
  jsonpath?: JsonPathTemplate
  /** custom-columns=SPEC: the columns. */
  columns?: {header: string; path: JsonPathTemplate}[]
  /** --no-headers: tables and custom-columns without their header row. */
  noHeaders: boolean
}

/** The -o names of each kind of command (the first is the default). */
export const OUTPUTS = {
  /** Commands with an effective value: config get|list|set|unset, sysctl check|apply. */
  values: ['table', 'wide', 'json', 'yaml', 'value', 'jsonpath', 'custom-columns'],
  /** Commands with a wide table and no single value: config explain|diff|validate. */
  wide: ['table', 'wide', 'json', 'yaml', 'jsonpath', 'custom-columns'],
  /** Commands with one table form: datastore status, doctor, openstack check|apply. */
  table: ['table', 'json', 'yaml', 'jsonpath', 'custom-columns'],
  /** Documents only: datastore export. */
  json: ['json', 'yaml', 'jsonpath', 'custom-columns'],
  /** config migrate: YAML resources first. */
  yaml: ['yaml', 'json', 'jsonpath', 'custom-columns'],
  /** openstack render: the ini snippet first. */
  ini: ['ini', 'json', 'yaml', 'jsonpath', 'custom-columns'],
} as const satisfies Record<string, readonly OutputName[]>

/** The formats drawn from the document, whatever the command: the text renderers never see them. */
export const DOCUMENT_FORMATS: readonly OutputName[] = ['json', 'yaml', 'value', 'jsonpath', 'custom-columns']

/** What a command's result offers to the document formats. */
export interface OutputView {
  /** The JSON document (-o json|yaml, and what jsonpath reads). */
  doc: unknown
  /** The rows custom-columns draws: the document's items (a one-object document is its own item). */
  items: unknown[]
  /** -o value: the bare effective value(s), one per line; undefined where the command has none. */
  values?: unknown[]
  /** The document's typed values are already JSON-safe (no replacer needed: large fleet documents). */
  typed?: boolean
}

/**
 * Parse `-o` as kubectl spells it. `allowed` are the names this command accepts (the first
 * is its default); anything else is a usage error (exit 2) naming the accepted ones.
 */
export function parseOutput(text: string | undefined, noHeaders: boolean | undefined, allowed: readonly OutputName[], aliases: Record<string, OutputName> = {}): OutputFormat {
  const value = text ?? allowed[0]
  const eq = value.indexOf('=')
  const head = eq === -1 ? value : value.slice(0, eq)
  const rest = eq === -1 ? '' : value.slice(eq + 1)
  const name = (aliases[head] ?? head) as OutputName
  const accepted = allowed.map((n) => (n === 'jsonpath' ? 'jsonpath=EXPR' : n === 'custom-columns' ? 'custom-columns=SPEC' : n)).join(', ')
  if (!allowed.includes(name) || ((name === 'jsonpath' || name === 'custom-columns') !== (eq !== -1))) {
    const wanted = name === 'jsonpath' || name === 'custom-columns' ? `-o ${name} needs its ${name === 'jsonpath' ? 'template' : 'columns'} after "="` : `-o ${JSON.stringify(value)} is not an output format of this command`
    throw new UsageError(wanted, {hint: `accepted: ${accepted}; for example -o jsonpath='{.name}' or -o custom-columns=NAME:.name`, code: 'bad-output'})
  }
  const out: OutputFormat = {name, noHeaders: Boolean(noHeaders)}
  if (name === 'jsonpath') {
    if (rest === '') throw new UsageError('-o jsonpath= needs a template', {hint: "for example -o jsonpath='{.name}'", code: 'bad-output'})
    out.jsonpath = parseTemplate(rest)
  }
  if (name === 'custom-columns') out.columns = parseColumns(rest)
  return out
}

/** Is this format drawn from the document rather than by the command's text renderer? */
export function isDocumentFormat(o: OutputFormat | string): boolean {
  return DOCUMENT_FORMATS.includes(typeof o === 'string' ? (o as OutputName) : o.name)
}

/** An output given as a plain name (renderers called from tests and services) or parsed. */
export function asOutput(o: OutputFormat | string): OutputFormat {
  return typeof o === 'string' ? {name: o as OutputName, noHeaders: false} : o
}

/** -o json | yaml: the one place a document becomes JSON or YAML text. */
export async function renderDocument(doc: unknown, format: 'json' | 'yaml' | OutputName, typed = false): Promise<string> {
  if (format === 'yaml') return toYaml(doc)
  if (format !== 'json') throw new Error(`renderDocument: ${format} is not a document format`)
  // Documents whose values went through jsonTyped are exact without the (per-member) replacer.
  return typed ? JSON.stringify(doc, null, 2) + '\n' : toJson(doc)
}

/** json, yaml, value, jsonpath or custom-columns from a command's view. */
export async function renderView(o: OutputFormat, view: OutputView | (() => OutputView)): Promise<string> {
  const v = typeof view === 'function' ? view() : view
  switch (o.name) {
    case 'json':
    case 'yaml':
      return renderDocument(v.doc, o.name, v.typed)
    case 'value':
      if (!v.values) throw new UsageError('-o value does not apply to this command: it has no effective value to print', {hint: 'use -o jsonpath or -o custom-columns to pick fields', code: 'bad-output'})
      return v.values.map((x) => bareValue(x) + '\n').join('')
    case 'jsonpath':
      return executeTemplate(o.jsonpath!, plainJson(v.doc))
    case 'custom-columns': {
      const items = plainJson(v.items) as unknown[]
      const rows = items.map((item) => o.columns!.map((c) => {
        const found = evalTemplateValues(c.path, item)
        return found.length === 0 ? NONE : found.map((x) => (x === null || x === undefined ? NONE : bareValue(x))).join(',')
      }))
      return renderTable({head: o.noHeaders ? [] : o.columns!.map((c) => c.header), rows})
    }
    default:
      throw new Error(`renderView: ${o.name} is drawn by the command's text renderer`)
  }
}

/** The document as plain JSON data: what json output shows (bigints, non-finite and unsafe numbers as strings). */
function plainJson(doc: unknown): unknown {
  return doc === undefined ? null : JSON.parse(JSON.stringify(doc, jsonReplacer))
}

/**
 * A value as one bare line: strings as they are, lists joined with ",", null as "", objects as
 * compact JSON. Controls (a newline in a value too) are shown as escapes: one value, one line.
 */
export function bareValue(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return escapeTerminal(v)
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(jsonReplacer('', v))
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) return v.map((x) => bareValue(x)).join(',')
  return escapeTerminal(JSON.stringify(v, jsonReplacer))
}

// ---------------------------------------------------------------- custom-columns

/**
 * A custom-columns cell with nothing to show: no result (a missing member, an empty list's
 * elements), or a result that is null (`"fatal": null`, `"origin": null`), as kubectl shows a
 * missing field. An empty string is a value: it prints as nothing, as in kubectl. (kubectl prints
 * `<nil>` for an explicit JSON null, which Kubernetes objects leave out instead; felixctl's
 * documents write unset members as null.)
 */
export const NONE = '<none>'

function parseColumns(spec: string): {header: string; path: JsonPathTemplate}[] {
  if (spec.trim() === '') throw new UsageError('-o custom-columns= needs at least one column', {hint: 'for example -o custom-columns=NAME:.name,VALUE:.value', code: 'bad-output'})
  return splitColumns(spec).map((part) => {
    const colon = part.indexOf(':')
    if (colon <= 0) throw new UsageError(`unexpected custom-columns spec: ${JSON.stringify(part)}, expected <header>:<json-path-expr>`, {hint: 'for example -o custom-columns=NAME:.name,VALUE:.value', code: 'bad-output'})
    return {header: part.slice(0, colon), path: parseTemplate(relaxed(part.slice(colon + 1)))}
  })
}

/** Split at commas outside brackets, braces and quotes (a filter or union may hold commas). */
function splitColumns(spec: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quote = ''
  let cur = ''
  for (const ch of spec) {
    if (quote) {
      if (ch === quote) quote = ''
    } else if (ch === '"' || ch === "'") quote = ch
    else if (ch === '[' || ch === '{' || ch === '(') depth++
    else if (ch === ']' || ch === '}' || ch === ')') depth--
    else if (ch === ',' && depth === 0) {
      parts.push(cur)
      cur = ''
      continue
    }
    cur += ch
  }
  parts.push(cur)
  return parts
}

/** kubectl's RelaxedJSONPathExpression: `.a`, `a` and `{.a}` all mean `{.a}`. */
function relaxed(expr: string): string {
  const e = expr.trim()
  if (e.startsWith('{') && e.endsWith('}')) return e
  if (e === '' || e === '.') return '{.}'
  return `{${e.startsWith('.') || e.startsWith('[') || e.startsWith('$') ? e : '.' + e}}`
}

// ---------------------------------------------------------------- JSONPath (kubectl's template subset)

type Step =
  | {t: 'field'; name: string}
  | {t: 'wildcard'}
  | {t: 'recursive'; name: string | null}
  | {t: 'index'; indices: number[]}
  | {t: 'slice'; start: number | null; end: number | null; step: number}
  | {t: 'names'; names: string[]}
  | {t: 'filter'; path: Path; op: string | null; literal: unknown}

interface Path {
  root: 'root' | 'current'
  steps: Step[]
}

type Node = {t: 'text'; text: string} | {t: 'path'; path: Path} | {t: 'range'; path: Path; body: Node[]}

export interface JsonPathTemplate {
  source: string
  nodes: Node[]
}

function unsupported(source: string, what: string): UsageError {
  return new UsageError(`unsupported JSONPath expression ${JSON.stringify(source)}: ${what}`, {
    hint: 'felixctl supports kubectl\'s template subset: {.a.b}, [n], [*], [a:b], [\'key\'], .., [?(@.x=="v")], {range ...}{end}, {"\\n"} (docs/output-formats.md)',
    code: 'bad-jsonpath',
  })
}

/** Parse a kubectl template: literal text with `{...}` actions. */
export function parseTemplate(source: string): JsonPathTemplate {
  const actions: ({t: 'text'; text: string} | {t: 'action'; text: string})[] = []
  let i = 0
  while (i < source.length) {
    const open = source.indexOf('{', i)
    if (open === -1) {
      actions.push({t: 'text', text: source.slice(i)})
      break
    }
    if (open > i) actions.push({t: 'text', text: source.slice(i, open)})
    // The matching "}" outside quotes.
    let j = open + 1
    let quote = ''
    for (; j < source.length; j++) {
      const ch = source[j]
      if (quote) {
        if (ch === '\\') j++
        else if (ch === quote) quote = ''
      } else if (ch === '"' || ch === "'") quote = ch
      else if (ch === '}') break
    }
    if (j >= source.length) throw unsupported(source, 'unclosed "{"')
    actions.push({t: 'action', text: source.slice(open + 1, j).trim()})
    i = j + 1
  }
  // Nest range ... end.
  const stack: Node[][] = [[]]
  const ranges: {path: Path}[] = []
  for (const a of actions) {
    const top = stack[stack.length - 1]
    if (a.t === 'text') top.push({t: 'text', text: a.text})
    else if (a.text === 'end') {
      if (ranges.length === 0) throw unsupported(source, '{end} without {range}')
      const body = stack.pop()!
      stack[stack.length - 1].push({t: 'range', path: ranges.pop()!.path, body})
    } else if (/^range\s/.test(a.text)) {
      ranges.push({path: parsePath(a.text.slice(5).trim(), source)})
      stack.push([])
    } else if (/^"(?:[^"\\]|\\.)*"$/.test(a.text) || /^'[^']*'$/.test(a.text)) {
      top.push({t: 'text', text: a.text.startsWith('"') ? JSON.parse(a.text) : a.text.slice(1, -1)})
    } else if (a.text === '') throw unsupported(source, 'empty "{}"')
    else top.push({t: 'path', path: parsePath(a.text, source)})
  }
  if (ranges.length) throw unsupported(source, '{range} without {end}')
  return {source, nodes: stack[0]}
}

const IDENT = /^[A-Za-z0-9_-]+/

function parsePath(expr: string, source: string): Path {
  let s = expr
  let root: Path['root'] = 'current'
  if (s.startsWith('$')) {
    root = 'root'
    s = s.slice(1)
  } else if (s.startsWith('@')) s = s.slice(1)
  const steps: Step[] = []
  while (s.length) {
    if (s.startsWith('..')) {
      s = s.slice(2)
      const m = IDENT.exec(s)
      if (m) {
        steps.push({t: 'recursive', name: m[0]})
        s = s.slice(m[0].length)
      } else if (s.startsWith('*')) {
        steps.push({t: 'recursive', name: null})
        s = s.slice(1)
      } else if (s.startsWith('[')) steps.push({t: 'recursive', name: null})
      else throw unsupported(source, `".." must be followed by a name`)
    } else if (s.startsWith('.')) {
      s = s.slice(1)
      if (s === '') break // "{.}": the current object
      if (s.startsWith('*')) {
        steps.push({t: 'wildcard'})
        s = s.slice(1)
        continue
      }
      if (s.startsWith('[')) continue
      const m = IDENT.exec(s)
      if (!m) throw unsupported(source, `expected a field name at ${JSON.stringify(s)}`)
      steps.push({t: 'field', name: m[0]})
      s = s.slice(m[0].length)
    } else if (s.startsWith('[')) {
      const close = bracketEnd(s, source)
      steps.push(parseBracket(s.slice(1, close).trim(), source))
      s = s.slice(close + 1)
    } else throw unsupported(source, `unexpected ${JSON.stringify(s)}`)
  }
  return {root, steps}
}

function bracketEnd(s: string, source: string): number {
  let depth = 0
  let quote = ''
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]
    if (quote) {
      if (ch === '\\') i++
      else if (ch === quote) quote = ''
    } else if (ch === '"' || ch === "'") quote = ch
    else if (ch === '[') depth++
    else if (ch === ']' && --depth === 0) return i
  }
  throw unsupported(source, 'unclosed "["')
}

function parseBracket(inner: string, source: string): Step {
  if (inner === '*') return {t: 'wildcard'}
  if (/^-?\d+(\s*,\s*-?\d+)*$/.test(inner)) return {t: 'index', indices: inner.split(',').map((x) => Number(x.trim()))}
  const slice = /^(-?\d+)?\s*:\s*(-?\d+)?(?:\s*:\s*(\d+))?$/.exec(inner)
  if (slice) {
    const step = slice[3] === undefined ? 1 : Number(slice[3])
    if (step === 0) throw unsupported(source, 'a slice step of 0')
    return {t: 'slice', start: slice[1] === undefined ? null : Number(slice[1]), end: slice[2] === undefined ? null : Number(slice[2]), step}
  }
  if (/^(?:'[^']*'|"(?:[^"\\]|\\.)*")(\s*,\s*(?:'[^']*'|"(?:[^"\\]|\\.)*"))*$/.test(inner)) {
    const names = [...inner.matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] !== undefined ? m[1] : JSON.parse(`"${m[2]}"`)))
    return {t: 'names', names}
  }
  const filter = /^\?\((.*)\)$/s.exec(inner)
  if (filter) {
    const body = filter[1].trim()
    const cmp = /^(@[^\s=!<>~]*)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(body)
    if (cmp) return {t: 'filter', path: parsePath(cmp[1], source), op: cmp[2], literal: parseLiteral(cmp[3].trim(), source)}
    if (/^@[^\s=!<>~]*$/.test(body)) return {t: 'filter', path: parsePath(body, source), op: null, literal: null}
    throw unsupported(source, `filter ${JSON.stringify(inner)} (supported: [?(@.path)], [?(@.path OP literal)] with == != < <= > >=)`)
  }
  throw unsupported(source, `[${inner}]`)
}

function parseLiteral(text: string, source: string): unknown {
  if (/^"(?:[^"\\]|\\.)*"$/.test(text)) return JSON.parse(text)
  if (/^'[^']*'$/.test(text)) return text.slice(1, -1)
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text)) return Number(text)
  if (text === 'true' || text === 'false') return text === 'true'
  if (text === 'null' || text === 'nil') return null
  throw unsupported(source, `literal ${text}`)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v
  if (isObject(v)) return Object.values(v)
  return []
}

function descendants(v: unknown, out: unknown[]): void {
  out.push(v)
  for (const c of children(v)) descendants(c, out)
}

function applyStep(nodes: unknown[], step: Step, root: unknown): unknown[] {
  const out: unknown[] = []
  for (const n of nodes) {
    switch (step.t) {
      case 'field':
        if (isObject(n) && Object.hasOwn(n, step.name)) out.push(n[step.name])
        break
      case 'names':
        if (isObject(n)) for (const name of step.names) if (Object.hasOwn(n, name)) out.push(n[name])
        break
      case 'wildcard':
        out.push(...children(n))
        break
      case 'recursive': {
        const all: unknown[] = []
        descendants(n, all)
        if (step.name === null) out.push(...all)
        else for (const d of all) if (isObject(d) && Object.hasOwn(d, step.name)) out.push(d[step.name])
        break
      }
      case 'index':
        if (Array.isArray(n)) {
          for (const i of step.indices) {
            const k = i < 0 ? n.length + i : i
            if (k >= 0 && k < n.length) out.push(n[k])
          }
        }
        break
      case 'slice':
        if (Array.isArray(n)) {
          const len = n.length
          const norm = (x: number) => (x < 0 ? Math.max(0, len + x) : Math.min(len, x))
          const start = step.start === null ? 0 : norm(step.start)
          const end = step.end === null ? len : norm(step.end)
          for (let k = start; k < end; k += step.step) out.push(n[k])
        }
        break
      case 'filter':
        for (const c of Array.isArray(n) ? n : isObject(n) ? Object.values(n) : []) {
          const found = evalPath(step.path, c, root)
          if (step.op === null ? found.length > 0 && found[0] !== null && found[0] !== false : found.some((x) => compare(x, step.op!, step.literal))) out.push(c)
        }
        break
    }
  }
  return out
}

function compare(a: unknown, op: string, b: unknown): boolean {
  if (op === '==') return a === b
  if (op === '!=') return a !== b
  if (typeof a === 'number' && typeof b === 'number') return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b
  if (typeof a === 'string' && typeof b === 'string') return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b
  return false
}

function evalPath(path: Path, current: unknown, root: unknown): unknown[] {
  let nodes = [path.root === 'root' ? root : current]
  for (const step of path.steps) nodes = applyStep(nodes, step, root)
  return nodes
}

/** The values one `{...}` of a template selects from `data` (custom-columns: one cell). */
function evalTemplateValues(t: JsonPathTemplate, data: unknown): unknown[] {
  const out: unknown[] = []
  for (const n of t.nodes) if (n.t === 'path') out.push(...evalPath(n.path, data, data))
  return out
}

/** Run a template over a document: kubectl's printing (several results of one action joined by spaces). */
export function executeTemplate(t: JsonPathTemplate, doc: unknown): string {
  const run = (nodes: Node[], current: unknown): string => {
    let out = ''
    for (const n of nodes) {
      if (n.t === 'text') out += n.text
      else if (n.t === 'path') out += evalPath(n.path, current, doc).map((x) => bareValue(x)).join(' ')
      else {
        const found = evalPath(n.path, current, doc)
        // range over an array iterates its elements (kubectl); over anything else, the values found.
        const elems = found.length === 1 && Array.isArray(found[0]) ? found[0] : found
        for (const e of elems) out += run(n.body, e)
      }
    }
    return out
  }
  return run(t.nodes, doc)
}

/** Words for shell completion: one per line, escaped (a host directory name comes from input). */
export function renderWords(words: readonly string[]): string {
  return words.map((w) => escapeTerminal(w) + '\n').join('')
}
