import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {parseFelixCfg} from '../../src/layers/felix-cfg.js'

const P = '/etc/calico/felix.cfg'

/** The flattened map key -> raw value, or the failure line. */
function read(input: string | Buffer): Record<string, string> | {failLine: number} {
  const r = parseFelixCfg(input, P)
  if (!r.ok) return {failLine: r.error.line}
  return Object.fromEntries(r.entries.map((e) => [e.key, e.raw]))
}

// One row per rule of docs/reference/felix-2.0-config.md §3.2 (go-ini v1.24), expected values written from the rules.
const valueRules: Array<[string, string, Record<string, string>]> = [
  ['= delimiter', 'A=1\n', {A: '1'}],
  [': delimiter', 'A: 1\n', {A: '1'}],
  ['first delimiter wins (: before =)', 'A:b=c\n', {A: 'b=c'}],
  ['first delimiter wins (= before :)', 'A=b:c\n', {A: 'b:c'}],
  ['key keeps case, spaces around key trimmed', '  LogSeverityFile   =   DEBUG   \n', {LogSeverityFile: 'DEBUG'}],
  ['key with inner space', 'a b = c\n', {'a b': 'c'}],
  ['empty value', 'A =\n', {A: ''}],
  ['whitespace-only value', 'A =   \t \n', {A: ''}],
  ['# comment cut', 'A = x # c\n', {A: 'x'}],
  ['; comment cut', 'A = x ; c\n', {A: 'x'}],
  ['# cut with no space before', 'A = x#c\n', {A: 'x'}],
  ['# cut inside double quotes', 'A = "a # b"\n', {A: '"a'}],
  ['; cut inside single quotes', "A = 'a ; b'\n", {A: "'a"}],
  ['comment-only value', 'A = # nothing\n', {A: ''}],
  ['double quote pair stripped', 'A = "quoted prefix"\n', {A: 'quoted prefix'}],
  ['single quote pair stripped', "A = 'x y'\n", {A: 'x y'}],
  ['quote pair stripped after comment cut and trim', 'A = "x" # c\n', {A: 'x'}],
  ['"" stays (not longer than 2)', 'A = ""\n', {A: '""'}],
  ['"a" loses the pair (3 chars)', 'A = "a"\n', {A: 'a'}],
  ['"a"b" stays (quote elsewhere)', 'A = "a"b"\n', {A: '"a"b"'}],
  ["mixed quotes stay", `A = "a'\n`, {A: `"a'`}],
  ['inner quotes kept', 'A = x "y" z\n', {A: 'x "y" z'}],
  ['backticks protect # and ;', 'A = `a # b ; c`\n', {A: 'a # b ; c'}],
  ['backticks keep inner spaces', 'A = `  x  `\n', {A: '  x  '}],
  ['text after the last backtick dropped', 'A = `x` # c\n', {A: 'x'}],
  ['backtick value runs to the LAST backtick', 'A = `x`y` z\n', {A: 'x`y'}],
  ['backtick keeps quotes', 'A = `"q"`\n', {A: '"q"'}],
  ['backtick spanning lines', 'A = `x\ny` \nB = 1\n', {A: 'x\ny', B: '1'}],
  ['""" one line', 'A = """x # y"""\n', {A: 'x # y'}],
  ['""" multi-line keeps line breaks', 'A = """one\n# two\nthree""" ; c\nB = 2\n', {A: 'one\n# two\nthree', B: '2'}],
  ['bare """ at EOF is a plain value', 'A = """', {A: '"""'}],
  ['continuation joins trimmed lines', 'A = x\\\n   y\n', {A: 'xy'}],
  ['continuation keeps # text', 'A = one # two \\\n three ; four\n', {A: 'one # two three ; four'}],
  ['continuation chains', 'A = a\\\nb\\\nc\nB = 1\n', {A: 'abc', B: '1'}],
  ['blank line ends a continuation', 'A = a\\\n\nB = 1\n', {A: 'a', B: '1'}],
  ['continuation swallows a key line', 'A = a\\\nB = 1\n', {A: 'aB = 1'}],
  ['continuation at EOF', 'A = a\\', {A: 'a'}],
  ['%(x)s not expanded', 'A = 1\nB = %(A)s\n', {A: '1', B: '%(A)s'}],
  ['- becomes #1, #2', '- = a\n- = b\n', {'#1': 'a', '#2': 'b'}],
  ['quoted key', '"a b" = c\n', {'a b': 'c'}],
  ['quoted key trimmed, text before delimiter ignored', '" k " junk = v\n', {k: 'v'}],
  ['quoted key holding a delimiter', '"a=b" = c\n', {'a=b': 'c'}],
  ['backtick key', '`a:b` : c\n', {'a:b': 'c'}],
  ['""" key', '"""k"""=v\n', {k: 'v'}],
  ['comment lines and leading spaces', '# c\n  ; d\n\t A = 1\n', {A: '1'}],
  ['CRLF line endings', '[global]\r\nA = 1\r\nB = `x`\r\nC = "q"\r\n', {A: '1', B: 'x', C: 'q'}],
  ['CRLF multi-line value keeps \\r', 'A = """x\r\ny"""\r\n', {A: 'x\r\ny'}],
  ['no final newline', 'A = 1', {A: '1'}],
  ['NBSP is whitespace (Go unicode.IsSpace)', 'A =\u00a0x\u00a0\n', {A: 'x'}],
  ['U+FEFF inside is not whitespace', 'A = \ufeffx\n', {A: '\ufeffx'}],
  ['section name up to the last ]', '[a]b] # c\nA = 1\n', {A: '1'}],
  ['text after ] ignored', '[global] junk\nA = 1\n', {A: '1'}],
]

describe('felix.cfg reader: go-ini v1.24 value and key rules', () => {
  for (const [name, input, expected] of valueRules) {
    test(name, () => assert.deepEqual(read(input), expected))
  }
})

const failures: Array<[string, string, number]> = [
  ['unclosed [', 'A = 1\n[global\n', 2],
  ['[]', '\n\n[]\n', 3],
  ['line without delimiter', '[global]\nA = 1\nLogSeverityFile DEBUG\n', 3],
  ['empty key name', 'A = 1\n= x\n', 2],
  ['empty key name (spaces)', '   : x\n', 1],
  ['unclosed """ at EOF', 'A = 1\nB = """x\ny\n', 2],
  ['unclosed backtick at EOF', 'B = `x', 1],
  ['unclosed quoted key', '"abc = d\n', 1],
  ['quoted key without delimiter', '"abc" d\n', 1],
  ['] alone is a key line without delimiter', ']\n', 1],
  ['error after a multi-line value counts lines', 'A = """x\ny\nz"""\nbad line\n', 4],
  ['UTF-16 LE file: NUL line after the last newline', '', 2],
]

describe('felix.cfg reader: load failures with 1-based lines', () => {
  for (const [name, input, line] of failures) {
    test(name, () => {
      const buf = name.startsWith('UTF-16 LE') ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('A=1\n', 'utf16le')]) : input
      const r = parseFelixCfg(buf, P)
      assert.equal(r.ok, false)
      if (!r.ok) {
        assert.equal(r.error.line, line)
        assert.ok(r.error.message.startsWith(`${P}:${line}: `), r.error.message)
      }
    })
  }
})

describe('felix.cfg reader: byte-order marks', () => {
  const body = '[global]\nA = 1\n'
  test('UTF-8 BOM bytes skipped', () => {
    assert.deepEqual(read(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)])), {A: '1'})
  })
  test('UTF-8 BOM in a string skipped', () => assert.deepEqual(read(`\ufeff${body}`), {A: '1'}))
  test('UTF-16 BE BOM skipped, rest read as bytes (go-ini does not decode UTF-16)', () => {
    const buf = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('A=1\n', 'utf16le').swap16()])
    assert.deepEqual(read(buf), {'\u0000A\u0000': '\u00001\u0000'})
  })
  test('UTF-16 LE BOM with no final newline: one NUL-laden key', () => {
    const buf = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('A=1', 'utf16le')])
    assert.deepEqual(read(buf), {'A\u0000': '\u00001\u0000'})
  })
  test('only one BOM is skipped: a second one is part of the first line', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf])
    assert.deepEqual(read(Buffer.concat([bom, bom, Buffer.from('A = 1\n')])), {'\ufeffA': '1'})
    assert.deepEqual(read(Buffer.concat([bom, bom, Buffer.from('# comment\n')])), {failLine: 1})
  })
  test('a BOM later in the file is not skipped', () => {
    assert.deepEqual(read('A = 1\n\ufeffB = 2\n'), {A: '1', '\ufeffB': '2'})
  })
  test('invalid UTF-8 is replaced, not fatal', () => {
    assert.deepEqual(read(Buffer.from([0x41, 0x3d, 0xff, 0x0a])), {A: '\ufffd'})
  })
})

describe('felix.cfg reader: flattening as Felix does', () => {
  test('DEFAULT first, then sections in order of first appearance, later wins with a warning', () => {
    const text = '[b]\nX = b\n[DEFAULT]\nX = default\nY = d\n[a]\nX = a\n'
    const r = parseFelixCfg(text, P)
    assert.ok(r.ok)
    if (!r.ok) return
    // Order DEFAULT, b, a: a wins.
    assert.deepEqual(
      r.entries.map((e) => [e.key, e.raw, e.origin.section, e.origin.line]),
      [
        ['X', 'a', 'a', 7],
        ['Y', 'd', 'DEFAULT', 5],
      ],
    )
    assert.deepEqual(
      r.shadowed.map((e) => [e.key, e.raw, e.origin.section, e.origin.line]),
      [
        ['X', 'b', 'b', 2],
        ['X', 'default', 'DEFAULT', 4],
      ],
    )
    assert.deepEqual(
      r.diagnostics.map((d) => [d.severity, d.code, d.key, d.origin?.line, d.message]),
      [
        ['warning', 'file-multiple-values', 'X', 2, `Multiple values defined for key X: ${P} [b] line 2 overrides [DEFAULT] line 4`],
        ['warning', 'file-multiple-values', 'X', 7, `Multiple values defined for key X: ${P} [a] line 7 overrides [b] line 2`],
      ],
    )
  })
  test('keys before any header belong to DEFAULT even when [DEFAULT] comes later', () => {
    const r = parseFelixCfg('[g]\nX = g\n[DEFAULT]\nZ = 1\n', P)
    const r2 = parseFelixCfg('X = top\n[g]\nX = g\n', P)
    assert.ok(r.ok && r2.ok)
    if (!r2.ok) return
    assert.deepEqual(r2.entries[0].origin, {type: 'file', path: P, section: 'g', line: 3})
    assert.deepEqual(r2.shadowed[0].origin, {type: 'file', path: P, section: 'DEFAULT', line: 1})
  })
  test('[default] is an ordinary section (section names are case-sensitive)', () => {
    const r = parseFelixCfg('[default]\nX = lower\n[DEFAULT]\nX = upper\n', P)
    assert.ok(r.ok)
    if (!r.ok) return
    assert.equal(r.entries[0].raw, 'lower')
    assert.equal(r.entries[0].origin.section, 'default')
    assert.equal(r.diagnostics.length, 1)
  })
  test('section names are not trimmed: [ global ] and [global] differ', () => {
    const r = parseFelixCfg('[global]\nX = 1\n[ global ]\nX = 2\n', P)
    assert.ok(r.ok)
    if (!r.ok) return
    assert.equal(r.entries[0].origin.section, ' global ')
    assert.equal(r.diagnostics.length, 1)
  })
  test('duplicate within a section: last wins silently', () => {
    const r = parseFelixCfg('[g]\nX = 1\nX = 2\n', P)
    assert.ok(r.ok)
    if (!r.ok) return
    assert.deepEqual(r.entries.map((e) => [e.raw, e.origin.line]), [['2', 3]])
    assert.deepEqual(r.shadowed.map((e) => [e.raw, e.origin.line]), [['1', 2]])
    assert.deepEqual(r.diagnostics, [])
  })
  test('a reopened section merges into its first occurrence (silent, and ordered there)', () => {
    // Order: DEFAULT, a, b. The second [a] merges into the first, so b (after it) still wins.
    const r = parseFelixCfg('[a]\nX = a1\n[b]\nX = b\n[a]\nX = a2\n', P)
    assert.ok(r.ok)
    if (!r.ok) return
    assert.deepEqual(r.entries.map((e) => [e.raw, e.origin.section, e.origin.line]), [['b', 'b', 4]])
    assert.deepEqual(r.shadowed.map((e) => e.raw), ['a1', 'a2'])
    assert.equal(r.diagnostics.length, 1)
    assert.match(r.diagnostics[0].message, /\[b\] line 4 overrides \[a\] line 6/)
  })
  test('different spellings are different keys', () => {
    assert.deepEqual(read('LogSeverityFile = INFO\nlogseverityfile = DEBUG\n'), {LogSeverityFile: 'INFO', logseverityfile: 'DEBUG'})
  })
  test('- counter restarts at each header, also in a reopened section', () => {
    const r = parseFelixCfg('- = a\n[s]\n- = b\n- = c\n[t]\n- = d\n[s]\n- = e\n', P)
    assert.ok(r.ok)
    if (!r.ok) return
    assert.deepEqual(
      r.entries.map((e) => [e.key, e.raw, e.origin.section]),
      [
        ['#1', 'd', 't'],
        ['#2', 'c', 's'],
      ],
    )
    // s: #1=b then #1=e (silent), #2=c; then t's #1=d overrides s's #1.
    assert.deepEqual(r.shadowed.map((e) => [e.key, e.raw]), [['#1', 'a'], ['#1', 'b'], ['#1', 'e']])
  })
  test('origin of a multi-line entry is its first line', () => {
    const r = parseFelixCfg('\n[g]\nA = """x\ny"""\nB = 1\n', P)
    assert.ok(r.ok)
    if (!r.ok) return
    assert.deepEqual(r.entries.map((e) => e.origin.line), [3, 5])
  })
  test('empty file and comments only: no entries', () => {
    assert.deepEqual(read(''), {})
    assert.deepEqual(read('# nothing\n\n; here\n'), {})
  })
})

describe('felix.cfg reader: large inputs', () => {
  test('10 MiB of lines and one 10 MiB line parse quickly', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'felix-cfg-big-'))
    try {
      const many = path.join(dir, 'many.cfg')
      const line = 'SomeKey = some value ; with a comment\n'
      fs.writeFileSync(many, `[global]\n${line.repeat(Math.ceil((10 * 1024 * 1024) / line.length))}`)
      const one = path.join(dir, 'one.cfg')
      fs.writeFileSync(one, `A = ${'x'.repeat(10 * 1024 * 1024)}`)
      const bt = path.join(dir, 'backtick.cfg')
      fs.writeFileSync(bt, `A = \`${'y\n'.repeat(5 * 1024 * 1024)}\``)
      const cont = path.join(dir, 'cont.cfg')
      fs.writeFileSync(cont, `A = a\\\n${'b\\\n'.repeat(3 * 1024 * 1024)}c\n`)
      const pathological = path.join(dir, 'quotes.cfg')
      fs.writeFileSync(pathological, `"${'"'.repeat(10 * 1024 * 1024)}`)
      for (const [file, check] of [
        [many, (r: ReturnType<typeof parseFelixCfg>) => r.ok && r.entries[0].raw === 'some value'],
        [one, (r: ReturnType<typeof parseFelixCfg>) => r.ok && r.entries[0].raw.length === 10 * 1024 * 1024],
        [bt, (r: ReturnType<typeof parseFelixCfg>) => r.ok && r.entries[0].raw.length === 10 * 1024 * 1024],
        [cont, (r: ReturnType<typeof parseFelixCfg>) => r.ok && r.entries[0].raw.length === 3 * 1024 * 1024 + 2],
        [pathological, (r: ReturnType<typeof parseFelixCfg>) => !r.ok],
      ] as const) {
        const buf = fs.readFileSync(file)
        // Correctness only; that the reader is linear is test/unit/fuzz-felix-cfg-reader.test.ts's.
        const r = parseFelixCfg(buf, file)
        assert.ok(check(r), `${path.basename(file)} parsed wrongly`)
      }
    } finally {
      fs.rmSync(dir, {recursive: true, force: true})
    }
  })
})
