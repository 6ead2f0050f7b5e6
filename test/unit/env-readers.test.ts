import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {envEntries, parseEnvFile, parseProcEnviron, processEnvVars, type EnvVar} from '../../src/layers/env.js'
import {LocalIoError} from '../../src/errors.js'

const v = (name: string, value: string): EnvVar => ({name, value, origin: {type: 'env', name}})

describe('env layer: FELIX_ variables (docs/reference/felix-2.0-config.md §3.1)', () => {
  const rows: Array<[string, EnvVar[], Array<[string, string, string]>]> = [
    ['prefix matched case-insensitively, key lower-cased', [v('FELIX_LogSeverityFile', 'DEBUG'), v('felix_ETCDADDR', 'h:1')], [['logseverityfile', 'DEBUG', 'FELIX_LogSeverityFile'], ['etcdaddr', 'h:1', 'felix_ETCDADDR']]],
    ['other variables ignored', [v('PATH', '/bin'), v('FELIXHOSTNAME', 'x'), v('XFELIX_A', '1')], []],
    ['values not trimmed', [v('FELIX_A', '  x \t')], [['a', '  x \t', 'FELIX_A']]],
    ['empty value kept', [v('FELIX_A', '')], [['a', '', 'FELIX_A']]],
    ['FELIX_ alone gives the empty key', [v('FELIX_', 'x')], [['', 'x', 'FELIX_']]],
    ['collision after lower-casing: the later wins', [v('FELIX_LOGSEVERITYFILE', 'INFO'), v('felix_logseverityfile', 'DEBUG')], [['logseverityfile', 'DEBUG', 'felix_logseverityfile']]],
  ]
  for (const [name, vars, expected] of rows) {
    test(name, () => {
      const r = envEntries(vars)
      assert.deepEqual(
        r.entries.map((e) => [e.key, e.raw, e.origin.name]),
        expected,
      )
      for (const e of r.entries) assert.equal(e.layer, 'env')
    })
  }
  test('collision diagnostic names both variables', () => {
    const r = envEntries([v('FELIX_A', '1'), v('PATH', 'x'), v('felix_a', '2')])
    assert.equal(r.diagnostics.length, 1)
    assert.equal(r.diagnostics[0].code, 'env-duplicate')
    assert.equal(r.diagnostics[0].severity, 'warning')
    assert.match(r.diagnostics[0].message, /FELIX_A and felix_a both set a: felix_a \(the later one\) wins/)
  })
  test('processEnvVars keeps names and values as given', () => {
    assert.deepEqual(processEnvVars({FELIX_A: ' 1 ', B: undefined, C: ''}), [
      {name: 'FELIX_A', value: ' 1 ', origin: {type: 'env', name: 'FELIX_A'}},
      {name: 'C', value: '', origin: {type: 'env', name: 'C'}},
    ])
  })
})

describe('env file: Docker --env-file rules (opts/envfile.go)', () => {
  const P = '/etc/calico/felix.env'
  const none = () => undefined
  const rows: Array<[string, string | Buffer, Array<[string, string, number]>, ((n: string) => string | undefined)?]> = [
    ['NAME=value, value verbatim', 'FELIX_A= spaced "q" # not a comment \n', [['FELIX_A', ' spaced "q" # not a comment ', 1]]],
    ['split at the first =', 'A=b=c\n', [['A', 'b=c', 1]]],
    ['empty and # lines skipped, line numbers kept', '\n# c\n   # indented comment\nA=1\n', [['A', '1', 4]]],
    ['leading whitespace of the line trimmed (unicode spaces too)', ' \t\u00a0A=1\n', [['A', '1', 1]]],
    ['CRLF: one trailing \\r dropped', 'A=1\r\nB=2\r\r\n', [['A', '1', 1], ['B', '2\r', 2]]],
    ['no final newline', 'A=1', [['A', '1', 1]]],
    ['UTF-8 BOM stripped from the first line only', '\ufeffA=1\n\ufeffB=2\n', [['A', '1', 1], ['\ufeffB', '2', 2]]],
    ['UTF-8 BOM bytes', Buffer.from([0xef, 0xbb, 0xbf, 0x41, 0x3d, 0x31]), [['A', '1', 1]]],
    ['invalid UTF-8 replaced, not fatal', Buffer.from([0x41, 0x3d, 0xff, 0x0a, 0x42, 0x3d, 0x32]), [['A', '\ufffd', 1], ['B', '2', 2]]],
    ['NUL bytes kept', Buffer.from('A=x\0y\nB=2\n'), [['A', 'x\0y', 1], ['B', '2', 2]]],
    ['line without = takes the value from lookup', 'FELIX_A\nFELIX_B\n', [['FELIX_A', 'from-env', 1]], (n) => (n === 'FELIX_A' ? 'from-env' : undefined)],
    ['line without = skipped when unset', 'FELIX_A\n', [], none],
  ]
  for (const [name, input, expected, lookup] of rows) {
    test(name, () => {
      const r = parseEnvFile(input, P, lookup ?? none)
      assert.deepEqual(
        r.map((e) => [e.name, e.value, e.origin.line]),
        expected,
      )
      for (const e of r) assert.deepEqual(e.origin, {type: 'env', name: e.name, path: P, line: e.origin.line})
    })
  }
  const errors: Array<[string, string, RegExp]> = [
    ['space in name', 'A=1\nBAD NAME=2\n', /^\/etc\/calico\/felix.env:2: variable 'BAD NAME' contains whitespaces$/],
    ['tab before =', 'A\t=1\n', /:1: variable 'A\t' contains whitespaces/],
    ['trailing space on a name-only line', 'FELIX_A \n', /:1: variable 'FELIX_A ' contains whitespaces/],
    ['empty name', '\n=x\n', /:2: no variable name on line '=x'/],
  ]
  for (const [name, input, re] of errors) {
    test(`error: ${name}`, () => {
      assert.throws(() => parseEnvFile(input, P, none), (e: unknown) => e instanceof LocalIoError && e.exitCode === 6 && re.test(e.message))
    })
  }
  test('reads a real file from a temp dir', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'env-file-'))
    try {
      const f = path.join(dir, 'felix.env')
      fs.writeFileSync(f, Buffer.from('\xef\xbb\xbfFELIX_LOGSEVERITYSCREEN=debug\r\n# x\r\nFELIX_IPINIPENABLED=true', 'latin1'))
      const vars = parseEnvFile(fs.readFileSync(f), f, none)
      assert.deepEqual(
        envEntries(vars).entries.map((e) => [e.key, e.raw, e.origin.path, e.origin.line]),
        [
          ['logseverityscreen', 'debug', f, 1],
          ['ipinipenabled', 'true', f, 3],
        ],
      )
    } finally {
      fs.rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('/proc/<pid>/environ', () => {
  test('NUL-separated, split at the first =, nothing trimmed', () => {
    const buf = Buffer.concat([
      Buffer.from('PATH=/bin\0FELIX_A=x=y\0FELIX_B= sp \r\0NOEQUALS\0\0FELIX_C=\0'),
      Buffer.from([0x46, 0x45, 0x4c, 0x49, 0x58, 0x5f, 0x44, 0x3d, 0xff, 0xfe, 0x00]),
      Buffer.from('\ufeffFELIX_E=1'),
    ])
    const r = parseProcEnviron(buf, 42)
    assert.deepEqual(
      r.map((e) => [e.name, e.value]),
      [
        ['PATH', '/bin'],
        ['FELIX_A', 'x=y'],
        ['FELIX_B', ' sp \r'],
        ['FELIX_C', ''],
        ['FELIX_D', '\ufffd\ufffd'],
        ['\ufeffFELIX_E', '1'],
      ],
    )
    assert.deepEqual(r[1].origin, {type: 'env', name: 'FELIX_A', path: '/proc/42/environ'})
    // A BOM is not stripped, so that variable is not a Felix one.
    assert.deepEqual(envEntries(r).entries.map((e) => e.key), ['a', 'b', 'c', 'd'])
  })
  test('this process environ matches process.env', () => {
    const vars = parseProcEnviron(fs.readFileSync('/proc/self/environ'), process.pid)
    const names = new Set(vars.map((e) => e.name))
    assert.ok(names.has('PATH'))
    assert.equal(vars.find((e) => e.name === 'PATH')?.value, process.env.PATH)
  })
})
