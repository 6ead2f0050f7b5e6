/**
 * Shared, pure renderers: (result, format) -> string. Results go to stdout,
 * diagnostics to stderr (the commands decide which is which).
 */
import Table from 'cli-table3'
import {Chalk} from 'chalk'


/** Colour only on a TTY and never when NO_COLOR is set (https://no-color.org). */
export function colourEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true
  return Boolean(stream.isTTY)
}

export interface Painter {
  bold(s: string): string
  dim(s: string): string
  red(s: string): string
  yellow(s: string): string
  green(s: string): string
  cyan(s: string): string
}

const plain: Painter = {bold: (s) => s, dim: (s) => s, red: (s) => s, yellow: (s) => s, green: (s) => s, cyan: (s) => s}

export function painter(enabled: boolean): Painter {
  if (!enabled) return plain
  const c = new Chalk({level: 1})
  return {bold: c.bold, dim: c.dim, red: c.red, yellow: c.yellow, green: c.green, cyan: c.cyan}
}

/**
 * JSON.stringify with the contract's number rule: numbers JSON cannot carry
 * exactly (non-finite, beyond ±2^53) become strings; bigints become strings.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, jsonReplacer, 2) + '\n'
}

export function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN'
    if (v === Infinity) return '+Inf'
    if (v === -Infinity) return '-Inf'
    if (Number.isInteger(v) && !Number.isSafeInteger(v)) return String(v)
  }
  if (v instanceof Map) return Object.fromEntries(v)
  return v
}

export async function toYaml(value: unknown): Promise<string> {
  // Loaded only on the path that needs it: start-up stays fast for table and JSON output.
  const {stringify} = await import('yaml')
  const plainValue = JSON.parse(JSON.stringify(value, jsonReplacer))
  return stringify(plainValue, {lineWidth: 0})
}

export interface TableOptions {
  head: string[]
  rows: (string | number)[][]
  /** Paint headers bold when colour is on. */
  paint?: Painter
  /** --no-headers: the rows only. */
  noHeaders?: boolean
}

/** A borderless, aligned table in the style of kubectl/calicoctl. */
export function renderTable({head, rows, paint = plain, noHeaders = false}: TableOptions): string {
  const table = new Table({
    head: noHeaders ? [] : head.map((h) => paint.bold(h)),
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '',
      right: '', 'right-mid': '', middle: '   ',
    },
    style: {head: [], border: [], 'padding-left': 0, 'padding-right': 0},
    wordWrap: false,
  })
  for (const r of rows) table.push(r.map((c) => String(c)))
  return table
    .toString()
    .split('\n')
    // trimEnd, not /\s+$/: that regex backtracks over every run of padding, quadratic in a wide column.
    .map((l) => l.trimEnd())
    .join('\n') + '\n'
}

/** A "key: value" block (kubectl describe style). */
export function renderKeyValues(pairs: [string, string][], paint: Painter = plain): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length)) + 1
  return pairs.map(([k, v]) => `${paint.bold((k + ':').padEnd(width))} ${v}`).join('\n') + '\n'
}
