/**
 * Property-based tests of the in-place editors (issue 10): felix.cfg (go-ini), OpenStack
 * files (oslo.config ini), docker env files and sysctl.d files. For any file the reader
 * accepts and any edit:
 *   - every line the edit does not target is byte-identical afterwards (and in order);
 *   - applying the same edit twice equals applying it once;
 *   - reading the edited file gives the edited value;
 *   - an edit that cannot be written is refused with felixctl's own error, never another exception.
 * Runs per property: FELIXCTL_FUZZ_RUNS (default 200).
 */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {RUNS, holds} from '../helpers/fuzz.js'
import {FelixctlError} from '../../src/errors.js'
import {editFelixCfg, type FelixCfgEdit} from '../../src/formats/felix-cfg-edit.js'
import {flattenFelixCfg, scanFelixCfg, type FelixCfgKeyToken} from '../../src/layers/felix-cfg.js'
import {getOsloValue, insertOsloValue, parseOsloIni, pyStrip, replaceOsloValue, serializeOsloIni, OsloIniParseError, type OsloIniDocument} from '../../src/formats/oslo-ini.js'
import {editEnvFile} from '../../src/formats/env-file-edit.js'
import {envEntries, parseEnvFile} from '../../src/layers/env.js'
import {parseSysctlConf, setSysctlValue} from '../../src/formats/sysctl-conf.js'


interface Line {
  start: number
  text: string // with its line break
}

function splitLines(text: string, from = 0): Line[] {
  const out: Line[] = []
  let pos = from
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos)
    const end = nl === -1 ? text.length : nl + 1
    out.push({start: pos, text: text.slice(pos, end)})
    pos = end
  }
  return out
}

/**
 * Every original line outside the targeted byte ranges must appear in the new text, in order,
 * byte for byte; the new text may add at most `maxAdded` lines. The line that ends the new
 * file may have lost its line break (when the old last line was removed) or gained one (when a
 * line was appended after a last line without one): those differ only in the break.
 */
function assertUntargetedKept(before: string, after: string, targeted: Array<[number, number]>, maxAdded: number, ctx: string): void {
  // A BOM is kept as it is, and is not part of the first line.
  const bom = before.startsWith('\ufeff') ? 1 : 0
  if (bom) assert.ok(after.startsWith('\ufeff'), `${ctx}: the BOM was lost`)
  const hit = (l: Line) => targeted.some(([s, e]) => l.start < e && l.start + l.text.length > s)
  // A file without a final line break keeps it missing: compare as if both ended in one
  // (so that a blank line that became the unterminated last line is still a line).
  const close = (t: string, from: number) => (t.length === from || t.endsWith('\n') ? t : t + '\n')
  const bomAfter = after.startsWith('\ufeff') ? 1 : 0
  const beforeLines = splitLines(close(before, bom), bom)
  const kept = beforeLines.filter((l) => !hit(l)).map((l) => l.text)
  const now = splitLines(close(after, bomAfter), bomAfter).map((l) => l.text)
  // When the unterminated last line is removed, the file stays without a final line break: the
  // editor drops the break before it, so a blank line just before it may disappear.
  const lastHit = !before.endsWith('\n') && beforeLines.length > 0 && hit(beforeLines[beforeLines.length - 1])
  const strip = (x: string) => x.replace(/\r?\n$/, '')
  let j = 0
  for (let i = 0; i < now.length && j < kept.length; i++) {
    const last = i === now.length - 1 || j === kept.length - 1
    if (now[i] === kept[j] || (last && strip(now[i]) === strip(kept[j]))) j++
  }
  if (j === kept.length - 1 && lastHit && /^\r?\n$/.test(kept[j])) j++
  assert.equal(j, kept.length, `${ctx}: untargeted line ${JSON.stringify(kept[j])} was changed, moved or lost\nbefore: ${JSON.stringify(before)}\nafter:  ${JSON.stringify(after)}`)
  assert.ok(now.length <= kept.length + maxAdded, `${ctx}: ${now.length - kept.length} lines added (at most ${maxAdded})\nbefore: ${JSON.stringify(before)}\nafter:  ${JSON.stringify(after)}`)
}

/** fc.assert, but the failure message carries the assertion that failed (node:test shows only the message). */

function expectOwnError(error: unknown, ctx: string): void {
  assert.ok(error instanceof FelixctlError, `${ctx}: threw ${(error as Error)?.name}: ${(error as Error)?.message}, not a felixctl error`)
}

// ---------------------------------------------------------------------------
// felix.cfg

const cfgKey = fc.constantFrom('LogSeverityFile', 'logseverityfile', 'LOGSEVERITYFILE', 'IpInIpMtu', 'MetadataAddr', 'X', '"Quoted"', '`Tick`', '-')
const cfgValue = fc.oneof(fc.constantFrom('DEBUG', '1400', '', 'a # b', '`x`', '"""y"""', 'v\\', "'q'", '"q"', ' lead', 'trail ', '`', '"""'), fc.string({maxLength: 6}))
const cfgLine = fc.oneof(
  fc.constantFrom('[global]', '[DEFAULT]', '[other]', '# comment', '; c', '', '   ', 'a = b \\', 'c = `multi', 'line`', '[ spaced ]'),
  fc.tuple(cfgKey, fc.constantFrom(' = ', '=', ': ', ' :', '   =   '), cfgValue, fc.constantFrom('', ' # trailing', ';x')).map(([k, d, v, c]) => k + d + v + c),
)
const cfgText = fc
  .tuple(fc.array(cfgLine, {maxLength: 16}), fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.boolean())
  .map(([lines, eol, finalEol, bom]) => (bom ? '\ufeff' : '') + lines.join(eol) + (finalEol && lines.length ? eol : ''))
  .filter((t) => scanFelixCfg(t).ok)

const cfgEdit: fc.Arbitrary<FelixCfgEdit> = fc.oneof(
  fc.record({op: fc.constant('set' as const), name: fc.constantFrom('LogSeverityFile', 'IpInIpMtu', 'MetadataAddr', 'NewKey'), value: fc.oneof(cfgValue, fc.string({maxLength: 10}))}),
  fc.record({op: fc.constant('unset' as const), name: fc.constantFrom('LogSeverityFile', 'IpInIpMtu', 'MetadataAddr', 'NewKey')}),
)

function keyTokens(text: string): FelixCfgKeyToken[] {
  const s = scanFelixCfg(text)
  assert.ok(s.ok)
  return s.tokens.filter((t): t is FelixCfgKeyToken => t.kind === 'key')
}

describe('felix.cfg editor: properties', () => {
  for (const fixSpelling of [false, true]) {
    test(`untargeted lines kept, idempotent, reads back${fixSpelling ? ' (--fix-spelling)' : ''}`, () => {
      let written = 0
      holds(
        fc.property(cfgText, cfgEdit, (text, edit) => {
          let r
          try {
            r = editFelixCfg(text, edit, {fixSpelling})
          } catch (error) {
            expectOwnError(error, `edit ${JSON.stringify(edit)} of ${JSON.stringify(text)}`)
            return
          }
          written++
          const tokens = keyTokens(text)
          const lower = edit.name.toLowerCase()
          const others = fixSpelling ? tokens.filter((t) => t.key !== edit.name && t.key.toLowerCase() === lower) : []
          let targeted: FelixCfgKeyToken[]
          if (edit.op === 'unset') targeted = [...tokens.filter((t) => t.key === edit.name), ...others]
          else {
            const scan = scanFelixCfg(text)
            const winner = scan.ok ? flattenFelixCfg(scan.tokens).winners.get(edit.name) : undefined
            targeted = [...(winner ? [winner] : []), ...others]
          }
          const ranges = targeted.map((t): [number, number] => [t.start, t.end])
          const added = edit.op === 'set' ? 2 : 0 // the key line, and a [global] header for a file without one
          assertUntargetedKept(text, r.text, ranges, added, `edit ${JSON.stringify(edit)}`)

          // Reads back: the reader sees the edited value (set) or no canonical key (unset).
          const after = scanFelixCfg(r.text)
          assert.ok(after.ok, `the edited file loads: ${JSON.stringify(r.text)}`)
          const win = flattenFelixCfg(after.tokens).winners.get(edit.name)
          if (edit.op === 'set') assert.equal(win?.value, edit.value, `reads back ${JSON.stringify(edit.value)} from ${JSON.stringify(r.text)}`)
          else assert.equal(win, undefined)
          if (fixSpelling) assert.equal(keyTokens(r.text).filter((t) => t.key !== edit.name && t.key.toLowerCase() === lower).length, 0)
          assert.equal(r.changed, r.text !== text)

          // Idempotent.
          const again = editFelixCfg(r.text, edit, {fixSpelling})
          assert.equal(again.text, r.text, `second edit changed the file: ${JSON.stringify(r.text)} -> ${JSON.stringify(again.text)}`)
          assert.equal(again.changed, false)
        }),
      )
      assert.ok(written > RUNS / 4, `only ${written} of ${RUNS} edits were written`)
    })
  }

  // Found by the property above (a blank line was left behind); kept as a regression row.
  test('--fix-spelling on an unterminated last line leaves no blank line behind', () => {
    const rows: Array<[string, string]> = [
      ['A = 1\nLOGSEVERITYFILE = DEBUG', 'A = 1\nLogSeverityFile = INFO'],
      ['[global]\nLOGSEVERITYFILE = DEBUG', '[global]\nLogSeverityFile = INFO'],
      ['LOGSEVERITYFILE = v\\', 'LogSeverityFile = INFO'],
    ]
    for (const [before, after] of rows) assert.equal(editFelixCfg(before, {op: 'set', name: 'LogSeverityFile', value: 'INFO'}, {fixSpelling: true}).text, after)
  })

  test('any key name or value with a line break: written correctly or refused with a felixctl error', () => {
    holds(
      fc.property(cfgText, fc.string({maxLength: 8}), fc.string({maxLength: 8}), fc.boolean(), (text, name, value, set) => {
        try {
          const r = editFelixCfg(text, set ? {op: 'set', name, value} : {op: 'unset', name})
          if (set) {
            const after = scanFelixCfg(r.text)
            assert.ok(after.ok)
            assert.equal(flattenFelixCfg(after.tokens).winners.get(name)?.value, value)
          }
        } catch (error) {
          expectOwnError(error, `edit ${JSON.stringify({name, value})}`)
        }
      }),
    )
  })
})

// ---------------------------------------------------------------------------
// OpenStack (oslo.config ini)

const osloLine = fc.oneof(
  fc.constantFrom('[DEFAULT]', '[calico]', '[ml2]', '[Calico]', '[default]', '# comment', ';c', '', '  ', '#mechanism_drivers = openvswitch', '# etcd_host = x'),
  fc.tuple(fc.constantFrom('mechanism_drivers', 'etcd_host', 'core_plugin', 'other'), fc.constantFrom(' = ', '=', ': ', ':'), fc.oneof(fc.constantFrom('calico', '"q"', "'a'", 'x # y', '', 'a,b'), fc.string({maxLength: 6}))).map(([k, d, v]) => k + d + v),
  fc.constantFrom('   continued', '\tmore'),
)
const osloText = fc
  .tuple(fc.array(osloLine, {maxLength: 16}), fc.constantFrom('\n', '\r\n', '\r'), fc.boolean())
  .map(([lines, eol, finalEol]) => lines.join(eol) + (finalEol && lines.length ? eol : ''))
  .filter((t) => {
    try {
      parseOsloIni(t)
      return true
    } catch (error) {
      if (error instanceof OsloIniParseError) return false
      throw error
    }
  })
// Values that oslo.config reads back unchanged: one line, stripped, not wrapped in matching quotes.
const osloValue = fc
  .oneof(fc.constantFrom('calico', 'true', '4001', 'a,b', 'x # not a comment', 'http://10.0.0.1:2379'), fc.string({maxLength: 10}))
  .filter((v) => !/[\r\n\u2028\u2029\x1c-\x1e\x85\x0b\x0c]/.test(v) && pyStrip(v) === v && !(v.length >= 1 && v[0] === v[v.length - 1] && (v[0] === '"' || v[0] === "'")))

/** What `openstack apply` does for one setting: leave a satisfied key alone, else replace the last one, else insert. */
function osloSet(doc: OsloIniDocument, section: string, key: string, value: string): OsloIniDocument {
  const current = getOsloValue(doc, section, key)
  if (current?.value === value) return doc
  return current ? replaceOsloValue(doc, current, value) : insertOsloValue(doc, section, key, value, {comments: ['Calico (felixctl): fuzz']})
}

describe('OpenStack ini editor: properties', () => {
  test('untargeted lines kept, idempotent, reads back', () => {
    holds(
      fc.property(osloText, fc.constantFrom('DEFAULT', 'calico', 'ml2', 'new_section'), fc.constantFrom('mechanism_drivers', 'etcd_host', 'core_plugin', 'new_key'), osloValue, (text, section, key, value) => {
        const doc = parseOsloIni(text)
        const current = getOsloValue(doc, section, key)
        let next: OsloIniDocument
        try {
          next = osloSet(doc, section, key, value)
        } catch (error) {
          assert.fail(`edit [${section}] ${key} = ${JSON.stringify(value)} of ${JSON.stringify(text)} threw ${(error as Error).message}`)
        }
        const out = serializeOsloIni(next)
        // Targeted: the assignment's lines (first line to last continuation line) when it exists.
        // Compared on oslo's own line split (a lone \r ends a line too), each line ending as '\n'.
        const asNl = (t: string) => parseOsloIni(t).lines.map((l) => l.text + (l.eol ? '\n' : '')).join('')
        const origNl = asNl(text)
        const rangesNl: Array<[number, number]> = current ? [[offsetOfLine(origNl, current.line), offsetOfLine(origNl, current.endLine + 1)]] : []
        assertUntargetedKept(origNl, asNl(out), rangesNl, current ? 1 : 4, `[${section}] ${key}`)
        // Every untargeted line keeps its own line ending too.
        const keptEols = doc.lines.filter((_, i) => !current || i + 1 < current.line || i + 1 > current.endLine).map((l) => l.eol).filter(Boolean)
        const newEols = parseOsloIni(out).lines.map((l) => l.eol)
        for (const e of new Set(keptEols)) assert.ok(newEols.includes(e))

        assert.equal(getOsloValue(parseOsloIni(out), section, key)?.value, value, `reads back from ${JSON.stringify(out)}`)
        const again = serializeOsloIni(osloSet(parseOsloIni(out), section, key, value))
        assert.equal(again, out, 'idempotent')
      }),
    )
  })

  test('reader: any text parses or raises OsloIniParseError with a line', () => {
    holds(
      fc.property(fc.array(fc.oneof(osloLine, fc.string({maxLength: 6})), {maxLength: 12}), fc.constantFrom('\n', '\r\n', '\r'), (ls, eol) => {
        const text = ls.join(eol)
        try {
          const doc = parseOsloIni(text)
          assert.equal(serializeOsloIni(doc), text, 'lossless')
        } catch (error) {
          assert.ok(error instanceof OsloIniParseError, `threw ${(error as Error).name}`)
          assert.ok(error.line >= 0 && error.line <= ls.length + 1)
        }
      }),
    )
  })
})

function offsetOfLine(text: string, line: number): number {
  let pos = 0
  for (let n = 1; n < line; n++) {
    const nl = text.indexOf('\n', pos)
    if (nl === -1) return text.length
    pos = nl + 1
  }
  return pos
}

// ---------------------------------------------------------------------------
// docker env files

const envLine = fc.oneof(
  fc.constantFrom('# comment', '', '   ', 'OTHER=1', 'FELIX_LOGSEVERITYFILE', 'PATH'),
  fc.tuple(fc.constantFrom('FELIX_LOGSEVERITYFILE', 'felix_logseverityfile', 'Felix_LogSeverityFile', 'FELIX_IPINIPMTU', 'FELIX_OTHER', '  FELIX_LOGSEVERITYFILE'), fc.oneof(fc.constantFrom('DEBUG', '', ' spaced ', 'a=b', '#x'), fc.string({maxLength: 6}))).map(([k, v]) => `${k}=${v}`),
)
const envText = fc
  .tuple(fc.array(envLine, {maxLength: 14}), fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.boolean())
  .map(([lines, eol, finalEol, bom]) => (bom ? '\ufeff' : '') + lines.join(eol) + (finalEol && lines.length ? eol : ''))
  .filter((t) => {
    try {
      parseEnvFile(t, '/f.env', () => undefined)
      return true
    } catch {
      return false
    }
  })

function envValue(text: string, name: string): string | undefined {
  const {entries} = envEntries(parseEnvFile(text, '/f.env', () => undefined))
  return entries.find((e) => e.key === name.toLowerCase())?.raw
}

describe('env-file editor: properties', () => {
  test('untargeted lines kept, idempotent, reads back', () => {
    holds(
      fc.property(envText, fc.constantFrom('LogSeverityFile', 'IpInIpMtu', 'NewParam'), fc.option(fc.string({maxLength: 10}), {nil: undefined}), (text, param, value) => {
        const name = `FELIX_${param.toUpperCase()}`
        const edit = value === undefined ? ({op: 'unset', name} as const) : ({op: 'set', name, value} as const)
        let r
        try {
          r = editEnvFile(text, edit)
        } catch (error) {
          expectOwnError(error, `edit ${JSON.stringify(edit)}`)
          assert.ok(value !== undefined && /[\r\n\0]/.test(value), `refused only a value with a line break or NUL: ${JSON.stringify(value)}`)
          return
        }
        // Targeted: every line that names the variable (any case) for unset; the last one for set.
        const lines = splitLines(text)
        const names = (l: Line) => {
          const m = /^[\s\ufeff]*([^=\s]+)/.exec(l.text.replace(/^\ufeff/, ''))
          return m !== null && m[1].toLowerCase() === name.toLowerCase() && !/^\s*#/.test(l.text)
        }
        const hits = lines.filter(names)
        const targeted = (edit.op === 'unset' ? hits : hits.slice(-1)).map((l): [number, number] => [l.start, l.start + l.text.length])
        assertUntargetedKept(text, r.text, targeted, edit.op === 'set' ? 1 : 0, `edit ${JSON.stringify(edit)}`)
        assert.equal(envValue(r.text, param), value, `reads back from ${JSON.stringify(r.text)}`)
        const again = editEnvFile(r.text, edit)
        assert.equal(again.text, r.text, 'idempotent')
      }),
    )
  })
})

// ---------------------------------------------------------------------------
// sysctl.d / sysctl.conf

const KEY = 'net/netfilter/nf_conntrack_max'
const sysctlLine = fc.oneof(
  fc.constantFrom('# comment', '; c', '', 'kernel.pid_max = 4194304', 'net.netfilter.* = 5', '-net.netfilter.nf_conntrack_max', 'garbage'),
  fc.tuple(fc.constantFrom('net.netfilter.nf_conntrack_max', 'net/netfilter/nf_conntrack_max', ' net.netfilter.nf_conntrack_max', '-net.netfilter.nf_conntrack_max'), fc.constantFrom(' = ', '=', '  =  '), fc.constantFrom('65536', '1000000', 'x', '')).map(([k, d, v]) => k + d + v),
)
const sysctlText = fc
  .tuple(fc.array(sysctlLine, {maxLength: 12}), fc.constantFrom('\n', '\r\n'), fc.boolean())
  .map(([lines, eol, finalEol]) => lines.join(eol) + (finalEol && lines.length ? eol : ''))

describe('sysctl.conf editor: properties', () => {
  test('untargeted lines kept, idempotent, reads back', () => {
    holds(
      fc.property(sysctlText, fc.integer({min: 1, max: 2147483647}).map(String), (text, value) => {
        const before = parseSysctlConf(text)
        const r = setSysctlValue(text, KEY, value)
        const assignments = before.lines.filter((l) => l.kind === 'assignment' && !l.glob && l.key === KEY)
        // A "-key" line after the last assignment cancels it at boot: it is the line that gets the value.
        const lastExclude = before.lines.filter((l) => l.kind === 'exclude' && !l.glob && l.key === KEY).at(-1)
        const defs = lastExclude && (assignments.length === 0 || lastExclude.line > assignments.at(-1)!.line) ? [...assignments, lastExclude] : assignments
        const lines = splitLines(text)
        const targeted = defs.map((d): [number, number] => [lines[d.line - 1].start, lines[d.line - 1].start + lines[d.line - 1].text.length])
        assertUntargetedKept(text, r.text, targeted, 1, `set ${value}`)
        const after = parseSysctlConf(r.text).lines.filter((l) => l.kind === 'assignment' && !l.glob && l.key === KEY)
        assert.equal(after.length, 1, 'exactly one definition remains')
        assert.equal(after[0].value, value)
        assert.equal(setSysctlValue(r.text, KEY, value).text, r.text, 'idempotent')
      }),
    )
  })
})
