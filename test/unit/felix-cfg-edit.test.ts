import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'
import fc from 'fast-check'
import {editFelixCfg, encodeFelixCfgValue, type FelixCfgEdit} from '../../src/formats/felix-cfg-edit.js'
import {flattenFelixCfg, parseFelixCfg, scanFelixCfg, type FelixCfgKeyToken} from '../../src/layers/felix-cfg.js'
import {CheckFailedError, UsageError} from '../../src/errors.js'

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'felix-cfg')

/** Golden-file cases for the felix.cfg editor: input and expected output under test/fixtures/felix-cfg/. */
const cases: Array<{input: string; edit: FelixCfgEdit; options?: {fixSpelling?: boolean}; golden: string; actions: string[]; line?: number}> = [
  {
    input: 'realistic.cfg',
    edit: {op: 'set', name: 'LogSeverityFile', value: 'WARNING'},
    golden: 'realistic.set-winner.cfg',
    actions: ['changed LogSeverityFile in [logging] at line 22'],
    line: 22,
  },
  {
    input: 'realistic.cfg',
    edit: {op: 'set', name: 'LogSeverityScreen', value: 'INFO'},
    options: {fixSpelling: true},
    golden: 'realistic.set-fix-spelling.cfg',
    actions: ['removed non-canonical logseverityscreen at line 15', 'changed LogSeverityScreen in [logging] at line 21'],
    line: 20,
  },
  {
    input: 'realistic.cfg',
    edit: {op: 'set', name: 'FailsafeInboundHostPorts', value: '22, 80 # not a comment'},
    golden: 'realistic.set-continuation.cfg',
    actions: ['changed FailsafeInboundHostPorts in [logging] at line 23'],
    line: 23,
  },
  {
    input: 'realistic.cfg',
    edit: {op: 'set', name: 'Ipv6Support', value: 'false'},
    golden: 'realistic.add.cfg',
    actions: ['added Ipv6Support to [DEFAULT]'],
    line: 5,
  },
  {
    input: 'realistic.cfg',
    edit: {op: 'unset', name: 'LogSeverityFile'},
    golden: 'realistic.unset.cfg',
    actions: ['removed LogSeverityFile from [global] at line 13', 'removed LogSeverityFile from [DEFAULT] at line 18', 'removed LogSeverityFile from [logging] at line 22'],
  },
  {
    input: 'realistic.cfg',
    edit: {op: 'set', name: 'EtcdAddr', value: 'a`b c '},
    golden: 'realistic.set-triple.cfg',
    actions: ['changed EtcdAddr in [global] at line 8'],
    line: 8,
  },
  {
    input: 'realistic.cfg',
    edit: {op: 'set', name: 'LogSeverityScreen', value: 'INFO'},
    golden: 'realistic.set-note.cfg',
    actions: ['changed LogSeverityScreen in [logging] at line 21', 'note: non-canonical spelling logseverityscreen at line 15 overrides (use --fix-spelling)'],
    line: 21,
  },
  {
    input: 'crlf-no-final-newline.cfg',
    edit: {op: 'set', name: 'MetadataPort', value: '8775'},
    golden: 'crlf-no-final-newline.add.cfg',
    actions: ['added MetadataPort to [global]'],
    line: 6,
  },
  {
    input: 'crlf-no-final-newline.cfg',
    edit: {op: 'unset', name: 'LogSeverityFile'},
    golden: 'crlf-no-final-newline.unset.cfg',
    actions: ['removed LogSeverityFile from [global] at line 5'],
  },
  {
    input: 'crlf-no-final-newline.cfg',
    edit: {op: 'set', name: 'LogSeverityFile', value: ' spaced '},
    golden: 'crlf-no-final-newline.set.cfg',
    actions: ['changed LogSeverityFile in [global] at line 5'],
    line: 5,
  },
  {
    input: 'comments-only.cfg',
    edit: {op: 'set', name: 'FelixHostname', value: 'node-1'},
    golden: 'comments-only.add.cfg',
    actions: ['added FelixHostname to [global] (new section)'],
    line: 4,
  },
]

/** What Felix reads for `name` from felix.cfg text (the flattened winner), or undefined. */
function felixValue(text: string, name: string): string | undefined {
  const r = parseFelixCfg(text, 'f')
  assert.ok(r.ok, `edited file does not load: ${JSON.stringify(r)}`)
  if (!r.ok) return undefined
  return r.entries.find((e) => e.key === name)?.raw
}

describe('felix.cfg editor: golden files', () => {
  for (const c of cases) {
    test(`${c.input}: ${c.edit.op} ${c.edit.name}${c.options?.fixSpelling ? ' --fix-spelling' : ''} -> ${c.golden}`, () => {
      // Work on a copy in a temp dir, as the command would, to read and compare real bytes.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'felix-cfg-edit-'))
      try {
        const file = path.join(dir, 'felix.cfg')
        fs.copyFileSync(path.join(FIXTURES, c.input), file)
        const r = editFelixCfg(fs.readFileSync(file, 'utf8'), c.edit, c.options)
        fs.writeFileSync(file, r.text)
        assert.equal(fs.readFileSync(file, 'utf8'), fs.readFileSync(path.join(FIXTURES, c.golden), 'utf8'))
        assert.deepEqual(r.actions, c.actions)
        assert.equal(r.line, c.line)
        assert.equal(r.changed, true)
        if (c.edit.op === 'set') assert.equal(felixValue(r.text, c.edit.name), c.edit.value)
        else assert.equal(felixValue(r.text, c.edit.name), undefined)
        // Idempotent.
        assert.equal(editFelixCfg(r.text, c.edit, c.options).text, r.text)
      } finally {
        fs.rmSync(dir, {recursive: true, force: true})
      }
    })
  }
})

describe('felix.cfg editor: rules', () => {
  const rows: Array<[string, string, FelixCfgEdit, string, {fixSpelling?: boolean}?]> = [
    ['empty file gets [global]', '', {op: 'set', name: 'A', value: '1'}, '[global]\nA = 1\n'],
    ['BOM-only file gets [global] after the BOM', '\ufeff', {op: 'set', name: 'A', value: '1'}, '\ufeff[global]\nA = 1\n'],
    ['keys before any header: added there', 'X = 1\n[s]\nY = 2\n', {op: 'set', name: 'A', value: '1'}, 'X = 1\nA = 1\n[s]\nY = 2\n'],
    ['first section, after its last key, before comments', '# h\n[s]\nY = 2\n# tail\n\n[t]\n', {op: 'set', name: 'A', value: '1'}, '# h\n[s]\nY = 2\nA = 1\n# tail\n\n[t]\n'],
    ['empty first section: right after the header', '[s]\n[t]\nZ = 1\n', {op: 'set', name: 'A', value: '1'}, '[s]\nA = 1\n[t]\nZ = 1\n'],
    ['header as last line without newline', '[s]', {op: 'set', name: 'A', value: '1'}, '[s]\nA = 1'],
    ['CRLF kept for new lines', '[s]\r\nY = 2\r\n', {op: 'set', name: 'A', value: '1'}, '[s]\r\nY = 2\r\nA = 1\r\n'],
    ['change keeps delimiter and spacing', '  A:\tx  ; c\n', {op: 'set', name: 'A', value: 'y'}, '  A:\ty  ; c\n'],
    ['empty value: spacing mirrored', 'A =\n', {op: 'set', name: 'A', value: 'y'}, 'A = y\n'],
    ['empty value, no spaces', 'A=\n', {op: 'set', name: 'A', value: 'y'}, 'A=y\n'],
    ['set to empty keeps comment', 'A = x # c\n', {op: 'set', name: 'A', value: ''}, 'A = # c\n'],
    ['backtick value: comment after it kept', 'A = `x` # c\n', {op: 'set', name: 'A', value: 'y;z'}, 'A = `y;z` # c\n'],
    ['comment holding a backtick is dropped when it would break the value', 'A = x # use `y`\n', {op: 'set', name: 'A', value: 'a#b'}, 'A = `a#b`\n'],
    ['multi-line value becomes one line', 'A = """x\ny"""\nB = 1\n', {op: 'set', name: 'A', value: 'z'}, 'A = z\nB = 1\n'],
    ['continuation keeps the blank line that ended it', 'A = x\\\ny\\\n\nB = 1\n', {op: 'set', name: 'A', value: 'z'}, 'A = z\n\nB = 1\n'],
    ['quoted key kept as written', '"A" = x\n', {op: 'set', name: 'A', value: 'z'}, '"A" = z\n'],
    ['only the winner changes', '[a]\nA = 1\n[b]\nA = 2\n[a]\nA = 3\n', {op: 'set', name: 'A', value: 'z'}, '[a]\nA = 1\n[b]\nA = z\n[a]\nA = 3\n'],
    ['last duplicate in a section is the winner', '[a]\nA = 1\nA = 2\n', {op: 'set', name: 'A', value: 'z'}, '[a]\nA = 1\nA = z\n'],
    ['quotes that go-ini would strip are protected', 'A = 1\n', {op: 'set', name: 'A', value: '"q"'}, 'A = `"q"`\n'],
    ['trailing backslash protected', 'A = 1\n', {op: 'set', name: 'A', value: 'C:\\'}, 'A = `C:\\`\n'],
    ['leading backtick with no need otherwise uses """', 'A = 1\n', {op: 'set', name: 'A', value: '`x'}, 'A = """`x"""\n'],
    ['add after a continuation ended by a blank line: after that line', '[s]\nA = x\\\n\n# c\n', {op: 'set', name: 'B', value: '1'}, '[s]\nA = x\\\n\nB = 1\n# c\n'],
    ['add after a continuation open at EOF: blank line first', '[s]\nA = x\\', {op: 'set', name: 'B', value: '1'}, '[s]\nA = x\\\n\nB = 1'],
    ['unset removes continuation lines', 'A = x\\\ny\nB = 1\n', {op: 'unset', name: 'A'}, 'B = 1\n'],
    ['unset of the unterminated last line keeps no final newline', 'B = 1\r\nA = 2', {op: 'unset', name: 'A'}, 'B = 1'],
    ['unset of everything', 'A = 1\n', {op: 'unset', name: 'A'}, ''],
    ['unset leaves other spellings without --fix-spelling', 'a = 1\nA = 2\n', {op: 'unset', name: 'A'}, 'a = 1\n'],
    ['unset --fix-spelling removes them', 'a = 1\nA = 2\nB = 3\n', {op: 'unset', name: 'A'}, 'B = 3\n', {fixSpelling: true}],
    ['set --fix-spelling: removed unterminated last line leaves no blank line', 'A = 1\nLOGSEVERITYFILE = DEBUG', {op: 'set', name: 'LogSeverityFile', value: 'INFO'}, 'A = 1\nLogSeverityFile = INFO', {fixSpelling: true}],
    ['set --fix-spelling: section holding only the other spelling', '[global]\nLOGSEVERITYFILE = DEBUG', {op: 'set', name: 'LogSeverityFile', value: 'INFO'}, '[global]\nLogSeverityFile = INFO', {fixSpelling: true}],
    ['set --fix-spelling: file holding only the other spelling, no header added', '# c\r\nlogseverityfile = x\\', {op: 'set', name: 'LogSeverityFile', value: 'INFO'}, '# c\r\nLogSeverityFile = INFO', {fixSpelling: true}],
    ['set --fix-spelling with only another spelling: replaced by the canonical one', '[s]\nlogseverityfile = debug\n', {op: 'set', name: 'LogSeverityFile', value: 'INFO'}, '[s]\nLogSeverityFile = INFO\n', {fixSpelling: true}],
  ]
  for (const [name, input, edit, expected, options] of rows) {
    test(name, () => {
      const r = editFelixCfg(input, edit, options)
      assert.equal(r.text, expected)
      if (edit.op === 'set') assert.equal(felixValue(r.text, edit.name), edit.value)
      assert.equal(editFelixCfg(r.text, edit, options).text, r.text)
    })
  }

  test('no change when the value is already set', () => {
    const r = editFelixCfg('A = "x"\n', {op: 'set', name: 'A', value: 'x'})
    assert.equal(r.changed, false)
    assert.equal(r.text, 'A = "x"\n')
    assert.deepEqual(r.actions, ['A in [DEFAULT] at line 1 already has this value'])
    assert.equal(r.line, 1)
  })
  test('unset of an absent key changes nothing', () => {
    const r = editFelixCfg('B = 1\n', {op: 'unset', name: 'A'})
    assert.deepEqual([r.changed, r.text, r.actions], [false, 'B = 1\n', []])
  })
  test('a value with a line break is a usage error', () => {
    assert.throws(() => editFelixCfg('', {op: 'set', name: 'A', value: 'a\nb'}), UsageError)
    assert.throws(() => editFelixCfg('', {op: 'set', name: 'A', value: 'a\rb'}), UsageError)
  })
  test('a key that cannot be written is a usage error', () => {
    for (const name of ['', ' A', 'A=B', 'a:b', '#x', '[x', '-', '"q']) {
      assert.throws(() => editFelixCfg('', {op: 'set', name, value: '1'}), UsageError, name)
    }
  })
  test('a file go-ini rejects is not edited', () => {
    assert.throws(() => editFelixCfg('[global\n', {op: 'set', name: 'A', value: '1'}), (e: unknown) => e instanceof CheckFailedError && /line 1/.test(e.message))
  })
  test('encodeFelixCfgValue', () => {
    assert.deepEqual(
      ['INFO', '', ' x', 'a;b', "'q'", '"', '`', 'x\\', '"""x', 'a b'].map(encodeFelixCfgValue),
      ['INFO', '', '` x`', '`a;b`', "`'q'`", '"', '"""`"""', '`x\\`', '`"""x`', 'a b'],
    )
  })
})

// ---- property-style checks ----

const names = ['LogSeverityFile', 'logseverityfile', 'LOGSEVERITYFILE', 'EtcdAddr', 'X']
const keyLine = fc
  .record({
    key: fc.constantFrom(...names, '"EtcdAddr"'),
    pre: fc.constantFrom('', ' ', '  '),
    delim: fc.constantFrom('=', ':', ' = ', ' : ', '=\t'),
    value: fc.constantFrom('INFO', '"quoted"', '`a # b`', 'x ; comment', '', '10.0.0.1:2379', 'a\\\n  b', 'open \\', '"""m\nn"""', "'s'", '`m\nn`'),
  })
  .map((r) => `${r.pre}${r.key}${r.delim}${r.value}`)
const otherLine = fc.constantFrom('# comment', '; note', '', '   ', '[global]', '[DEFAULT]', '[logging]', '[ global ]', 'Other = 1', '- = dash')
const fileArb = fc
  .record({lines: fc.array(fc.oneof(keyLine, otherLine), {maxLength: 12}), crlf: fc.boolean(), finalNewline: fc.boolean(), bom: fc.boolean()})
  .map(({lines, crlf, finalNewline, bom}) => {
    const eol = crlf ? '\r\n' : '\n'
    const body = lines.map((l) => l.replace(/\n/g, eol)).join(eol)
    return (bom ? '\ufeff' : '') + body + (finalNewline && lines.length > 0 ? eol : '')
  })
const valueArb = fc.oneof(
  fc.constantFrom('INFO', '', ' lead', 'trail ', '#', ';x', '"q"', "'q'", '`', '`x`', 'x\\', '"""', 'a"""b', '%(x)s', 'é'),
  fc.string({unit: fc.constantFrom('a', ' ', '#', ';', '"', "'", '`', '\\', '=', ':', '[', '\t', '\u00a0', '\u0000')}),
)
const editArb = fc.oneof(
  fc.record({op: fc.constant('set' as const), name: fc.constantFrom('LogSeverityFile', 'EtcdAddr', 'NewParam'), value: valueArb}),
  fc.record({op: fc.constant('unset' as const), name: fc.constantFrom('LogSeverityFile', 'EtcdAddr', 'NewParam')}),
)

/** The file's lines (EOL kept except '\n') that belong to no entry spelt like `name` (any case). */
function untouchedLines(text: string, name: string): string[] {
  const scan = scanFelixCfg(text)
  assert.ok(scan.ok)
  if (!scan.ok) return []
  const skip = new Set<number>()
  for (const t of scan.tokens) {
    if (t.kind === 'key' && t.key.toLowerCase() === name.toLowerCase()) for (let l = t.line; l <= t.endLine; l++) skip.add(l)
  }
  const body = text.startsWith('\ufeff') ? text.slice(1) : text
  if (body === '') return []
  return body.split('\n').filter((_, i) => !skip.has(i + 1))
}

describe('felix.cfg editor: properties', () => {
  test('parse(edit(file)) gives the value; edit twice == edit once; untouched lines byte-identical', () => {
    fc.assert(
      fc.property(fileArb, editArb, fc.boolean(), (file, edit, fixSpelling) => {
        if (!scanFelixCfg(file).ok) return // only files go-ini loads are editable
        let r
        try {
          r = editFelixCfg(file, edit, {fixSpelling})
        } catch (e) {
          // Only values that cannot be written at all may be refused.
          assert.ok(e instanceof UsageError && edit.op === 'set' && /[\r\n]/.test(edit.value), String(e))
          return
        }
        const scan = scanFelixCfg(r.text)
        assert.ok(scan.ok, 'edited file must load')
        if (!scan.ok) return
        const winners = flattenFelixCfg(scan.tokens).winners
        const keys = scan.tokens.filter((t): t is FelixCfgKeyToken => t.kind === 'key')
        if (edit.op === 'set') {
          assert.equal(winners.get(edit.name)?.value, edit.value)
          assert.equal(winners.get(edit.name)?.line, r.line)
        } else {
          assert.equal(keys.some((t) => t.key === edit.name), false)
        }
        if (fixSpelling) assert.equal(keys.some((t) => t.key !== edit.name && t.key.toLowerCase() === edit.name.toLowerCase()), false)
        assert.equal(editFelixCfg(r.text, edit, {fixSpelling}).text, r.text, 'idempotent')
        // Every other line is kept byte for byte and in order.
        let after = untouchedLines(r.text, edit.name)
        const before = untouchedLines(file, edit.name)
        const hadNoSectionOrKey = scanFelixCfg(file).ok && (scanFelixCfg(file) as {tokens: unknown[]}).tokens.length === 0
        if (edit.op === 'set' && hadNoSectionOrKey) {
          const i = after.findIndex((l) => l.replace(/\r$/, '') === '[global]')
          after = after.filter((_, j) => j !== i)
        }
        // The only freedom: the line break of the last line (kept missing when the file had none).
        const strip = (ls: string[]) => {
          const out = ls.map((l, i) => (i === ls.length - 1 ? l.replace(/\r$/, '') : l))
          while (out.length > 0 && out[out.length - 1].replace(/\r$/, '') === '') out.pop()
          return out.map((l, i) => (i === out.length - 1 ? l.replace(/\r$/, '') : l))
        }
        assert.deepEqual(strip(after), strip(before))
        // A final newline is kept as it was (an empty file may gain one).
        const body = file.replace(/^\ufeff/, '')
        const out = r.text.replace(/^\ufeff/, '')
        if (body !== '' && out !== '') {
          // Without a final newline the output gains none, except that a kept blank line is now the
          // (empty, unterminated) last line.
          if (file.endsWith('\n')) assert.ok(out.endsWith('\n'), 'final newline lost')
          else assert.ok(!out.endsWith('\n') || before.at(-1)?.replace(/\r$/, '') === '', 'final newline added')
        }
        assert.equal(r.text.startsWith('\ufeff'), file.startsWith('\ufeff'))
      }),
      {numRuns: 1500},
    )
  })
})
