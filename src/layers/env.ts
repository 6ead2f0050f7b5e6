/**
 * Environment layer readers (docs/reference/felix-2.0-config.md §3.1): the FELIX_ variables of a
 * process environment, a docker `--env-file`, or /proc/<pid>/environ. Readers only collect
 * raw strings with their origin; they never parse types or decide precedence.
 */
import {LocalIoError} from '../errors.js'
import {goToLower} from '../params/kinds.js'
import type {LayerDiagnostic, Origin, RawEntry} from './types.js'

export interface EnvVar {
  /** The name exactly as it appears in the environment. */
  name: string
  value: string
  origin: Origin
}

const FELIX_PREFIX = 'felix_'

/**
 * Felix's environment loader: every variable whose lower-cased name starts with `felix_`;
 * the key is the rest, lower-cased; values are kept verbatim (not trimmed). When two names
 * collide after lower-casing, the later variable wins.
 */
export function envEntries(vars: EnvVar[]): {entries: RawEntry[]; diagnostics: LayerDiagnostic[]} {
  const byKey = new Map<string, {entry: RawEntry; name: string}>()
  const diagnostics: LayerDiagnostic[] = []
  for (const v of vars) {
    // Felix: strings.ToLower(name), rune by rune as Go does it.
    const lower = goToLower(v.name)
    if (!lower.startsWith(FELIX_PREFIX)) continue
    const key = lower.slice(FELIX_PREFIX.length)
    const entry: RawEntry = {layer: 'env', key, raw: v.value, origin: v.origin}
    const prev = byKey.get(key)
    if (prev) {
      byKey.delete(key) // keep the winner's position: it is the later variable
      diagnostics.push({
        severity: 'warning',
        code: 'env-duplicate',
        key,
        origin: v.origin,
        message: `environment variables ${prev.name} and ${v.name} both set ${key}: ${v.name} (the later one) wins`,
      })
    }
    byKey.set(key, {entry, name: v.name})
  }
  return {entries: [...byKey.values()].map((e) => e.entry), diagnostics}
}

/** The variables of a process environment (as Node exposes it), in its order. */
export function processEnvVars(env: NodeJS.ProcessEnv): EnvVar[] {
  const out: EnvVar[] = []
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue
    out.push({name, value, origin: {type: 'env', name}})
  }
  return out
}

function decodeUtf8(input: string | Buffer): string {
  // Invalid UTF-8 becomes U+FFFD instead of failing: a broken byte must not hide the other variables.
  return typeof input === 'string' ? input : input.toString('utf8')
}

/** Characters Docker's env-file parser calls whitespace inside a variable name. */
const NAME_WHITESPACE = /[ \t]/

/**
 * A docker `--env-file`, read as Docker's own parser does (opts/envfile.go): a UTF-8 BOM is
 * stripped from the first line; lines split at `\n` with one trailing `\r` dropped; each line
 * is left-trimmed; empty and `#` lines are skipped; the name is what precedes the first `=`
 * and may not contain a space or tab; the value is verbatim. A line without `=` takes its
 * value from `lookup(name)` and is skipped when that is undefined.
 * Docker itself rejects a file with invalid UTF-8; felixctl decodes it with U+FFFD and carries on.
 */
export function parseEnvFile(input: string | Buffer, path: string, lookup: (name: string) => string | undefined): EnvVar[] {
  let text = decodeUtf8(input)
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  const out: EnvVar[] = []
  let pos = 0
  let lineNo = 0
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos)
    let raw = nl === -1 ? text.slice(pos) : text.slice(pos, nl)
    pos = nl === -1 ? text.length : nl + 1
    lineNo++
    if (raw.endsWith('\r')) raw = raw.slice(0, -1) // bufio.ScanLines drops one trailing \r
    const line = raw.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/, '')
    if (line.length === 0 || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    const name = (eq === -1 ? line : line.slice(0, eq)).replace(/^[ \t]+/, '')
    if (NAME_WHITESPACE.test(name)) {
      throw new LocalIoError(`${path}:${lineNo}: variable '${name}' contains whitespaces`, {
        path,
        code: 'env-file-bad-line',
        hint: 'an env file line is NAME=value with no spaces in NAME (docker --env-file format)',
      })
    }
    if (name.length === 0) {
      throw new LocalIoError(`${path}:${lineNo}: no variable name on line '${line}'`, {
        path,
        code: 'env-file-bad-line',
        hint: 'an env file line is NAME=value (docker --env-file format)',
      })
    }
    const origin: Origin = {type: 'env', name, path, line: lineNo}
    if (eq !== -1) {
      out.push({name, value: line.slice(eq + 1), origin})
    } else {
      const value = lookup(name)
      if (value !== undefined) out.push({name, value, origin})
    }
  }
  return out
}

/**
 * /proc/<pid>/environ: NUL-separated NAME=VALUE strings, split at the first `=`. Entries
 * without `=` are skipped; nothing is trimmed or stripped (not even a BOM or a `\r`).
 */
export function parseProcEnviron(buf: Buffer, pid: number): EnvVar[] {
  const path = `/proc/${pid}/environ`
  const out: EnvVar[] = []
  let start = 0
  while (start < buf.length) {
    let end = buf.indexOf(0, start)
    if (end === -1) end = buf.length
    if (end > start) {
      const kv = buf.subarray(start, end).toString('utf8')
      const eq = kv.indexOf('=')
      if (eq !== -1) {
        const name = kv.slice(0, eq)
        out.push({name, value: kv.slice(eq + 1), origin: {type: 'env', name, path}})
      }
    }
    start = end + 1
  }
  return out
}
