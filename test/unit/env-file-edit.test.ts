import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {editEnvFile, type EnvFileEdit} from '../../src/formats/env-file-edit.js'
import {envEntries, parseEnvFile} from '../../src/layers/env.js'
import {UsageError} from '../../src/errors.js'

describe('env file editor', () => {
  const rows: Array<[string, string, EnvFileEdit, string, string[]]> = [
    ['append as FELIX_<UPPER>', '# felix\nPATH=/bin\n', {op: 'set', name: 'LogSeverityFile', value: 'DEBUG'}, '# felix\nPATH=/bin\nFELIX_LOGSEVERITYFILE=DEBUG\n', ['added FELIX_LOGSEVERITYFILE']],
    ['append keeps CRLF and a missing final newline', 'A=1\r\nB=2', {op: 'set', name: 'X', value: 'v'}, 'A=1\r\nB=2\r\nFELIX_X=v', ['added FELIX_X']],
    ['append to an empty file', '', {op: 'set', name: 'X', value: 'v'}, 'FELIX_X=v\n', ['added FELIX_X']],
    [
      'change the last case-variant in place, keep its spelling and indent',
      'felix_LogSeverityFile=INFO\n  FELIX_LOGSEVERITYFILE=WARNING # old\r\nZ=1\n',
      {op: 'set', name: 'LogSeverityFile', value: 'DEBUG'},
      'felix_LogSeverityFile=INFO\n  FELIX_LOGSEVERITYFILE=DEBUG\r\nZ=1\n',
      ['changed FELIX_LOGSEVERITYFILE at line 2', 'note: felix_LogSeverityFile at line 1 is overridden by line 2'],
    ],
    ['a name-only line becomes NAME=value', 'FELIX_X\n', {op: 'set', name: 'X', value: ' v '}, 'FELIX_X= v \n', ['changed FELIX_X at line 1']],
    ['FELIX_ prefix in the name accepted', 'FELIX_X=1\n', {op: 'set', name: 'FELIX_X', value: '2'}, 'FELIX_X=2\n', ['changed FELIX_X at line 1']],
    ['comments mentioning the name are not touched', '# FELIX_X=1\nFELIX_X=2\n', {op: 'unset', name: 'X'}, '# FELIX_X=1\n', ['removed FELIX_X at line 2']],
    ['unset removes every case-variant', 'felix_x=1\nA=2\nFELIX_X=3', {op: 'unset', name: 'X'}, 'A=2', ['removed felix_x at line 1', 'removed FELIX_X at line 3']],
    ['BOM kept', '\ufeffFELIX_X=1\n', {op: 'set', name: 'X', value: '2'}, '\ufeffFELIX_X=2\n', ['changed FELIX_X at line 1']],
    ['lines Docker rejects are left alone', 'FELIX_X =1\nFELIX_X=1\n', {op: 'set', name: 'X', value: '2'}, 'FELIX_X =1\nFELIX_X=2\n', ['changed FELIX_X at line 2']],
  ]
  for (const [name, input, edit, expected, actions] of rows) {
    test(name, () => {
      const r = editEnvFile(input, edit)
      assert.equal(r.text, expected)
      assert.deepEqual(r.actions, actions)
      assert.equal(r.changed, true)
      assert.equal(editEnvFile(r.text, edit).text, r.text)
    })
  }
  test('unchanged when already set', () => {
    const r = editEnvFile('FELIX_X=1\n', {op: 'set', name: 'X', value: '1'})
    assert.deepEqual([r.changed, r.text], [false, 'FELIX_X=1\n'])
  })
  test('a value with a line break or NUL is a usage error', () => {
    for (const value of ['a\nb', 'a\r', 'a\0b']) assert.throws(() => editEnvFile('', {op: 'set', name: 'X', value}), UsageError)
  })
  test('a bad name is a usage error', () => {
    for (const name of ['', 'FELIX_', 'A B', 'A=B']) assert.throws(() => editEnvFile('', {op: 'set', name, value: '1'}), UsageError)
  })

  test('property: Docker + Felix read back the value; idempotent; other lines kept', () => {
    const line = fc.constantFrom('# c', '', 'PATH=/bin', 'FELIX_X=old', 'felix_x=other', 'FELIX_x', '  FELIX_X= sp ', 'FELIX_Y=1', 'A=B=C')
    const fileArb = fc.record({lines: fc.array(line, {maxLength: 8}), crlf: fc.boolean(), final: fc.boolean()}).map(({lines, crlf, final}) => {
      const eol = crlf ? '\r\n' : '\n'
      return lines.join(eol) + (final && lines.length ? eol : '')
    })
    const valueArb = fc.string({unit: fc.constantFrom('a', ' ', '#', '=', '"', "'", '\\', '\t', 'é')})
    fc.assert(
      fc.property(fileArb, fc.oneof(valueArb.map((value) => ({op: 'set' as const, name: 'X', value})), fc.constant({op: 'unset' as const, name: 'X'})), (file, edit) => {
        const r = editEnvFile(file, edit)
        const read = envEntries(parseEnvFile(r.text, 'f', () => undefined)).entries.find((e) => e.key === 'x')
        if (edit.op === 'set') assert.equal(read?.raw, edit.value)
        else assert.equal(read, undefined)
        assert.equal(editEnvFile(r.text, edit).text, r.text)
        const others = (t: string) => t.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l !== '' && !/^\s*felix_x(=|$)/i.test(l))
        assert.deepEqual(others(r.text), others(file))
      }),
      {numRuns: 800},
    )
  })
})
