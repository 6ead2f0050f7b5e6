import assert from 'node:assert/strict'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import fc from 'fast-check'

import {describeKind, goToLower, kindLabel, parseKind, realFileProbe, zeroValue} from '../../src/params/kinds.js'
import {goQuote} from '../../src/params/go/quote.js'
import type {FileProbe, KindSpec, TypedValue} from '../../src/params/types.js'
import {holds} from '../helpers/fuzz.js'

const NOTHING: FileProbe = {exists: () => false, isExecutable: () => false, felixDir: '/nonexistent', pathEnv: ''}

/** A row: raw input, then the typed value expected, or a RegExp the failure reason must match. */
type Row = [raw: string, expected: TypedValue | RegExp]

function runRows(kind: KindSpec, rows: Row[], probe: FileProbe = NOTHING) {
  for (const [raw, expected] of rows) {
    const label = `${kindLabel(kind)} ${JSON.stringify(raw)} -> ${expected instanceof RegExp ? `fails ${expected}` : JSON.stringify(expected)}`
    test(label, () => {
      const r = parseKind(kind, raw, probe)
      if (expected instanceof RegExp) {
        assert.equal(r.ok, false, `expected failure, got ${JSON.stringify(r)}`)
        if (!r.ok) assert.match(r.reason, expected)
      } else {
        assert.ok(r.ok, `expected success, got ${JSON.stringify(r)}`)
        if (r.ok) {
          if (typeof expected === 'number' && Number.isNaN(expected)) assert.ok(Number.isNaN(r.value))
          else assert.deepEqual(r.value, expected)
        }
      }
    })
  }
}

describe('bool', () => {
  runRows({type: 'bool'}, [
    ['true', true], ['TRUE', true], ['1', true], ['yes', true], ['Y', true], ['t', true], ['YeS', true],
    ['false', false], ['0', false], ['No', false], ['n', false], ['F', false], ['FALSE', false],
    [' true', /invalid boolean/], ['true ', /invalid boolean/], ['', /invalid boolean/], ['on', /invalid boolean/],
    ['off', /invalid boolean/], ['2', /invalid boolean/], ['tru', /invalid boolean/], ['none', /invalid boolean/],
  ])
})

describe('int (Go 1.7 strconv.ParseInt(raw, 0, 64))', () => {
  runRows({type: 'int'}, [
    ['30', 30], ['0', 0], ['-0', 0], ['+7', 7], ['-12', -12],
    ['0x10', 16], ['0X1f', 31], ['-0x10', -16], ['010', 8], ['0777', 511], ['00', 0],
    ['08', /invalid int \(strconv\.ParseInt: parsing "08": invalid syntax\)/],
    ['09', /invalid syntax/], ['0x', /invalid syntax/], ['0xg', /invalid syntax/],
    ['0b101', /invalid syntax/], ['0o17', /invalid syntax/], ['1_000', /invalid syntax/],
    [' 1', /invalid syntax/], ['1 ', /invalid syntax/], ['', /invalid syntax/], ['+', /invalid syntax/],
    ['-', /invalid syntax/], ['+-1', /invalid syntax/], ['1.0', /invalid syntax/], ['1e3', /invalid syntax/], ['abc', /invalid syntax/],
    ['9007199254740991', 9007199254740991],
    ['9007199254740993', '9007199254740993'],
    ['9223372036854775807', '9223372036854775807'],
    ['-9223372036854775808', '-9223372036854775808'],
    ['0x7fffffffffffffff', '9223372036854775807'],
    ['9223372036854775808', /value out of range/],
    ['-9223372036854775809', /value out of range/],
    ['0xffffffffffffffff', /value out of range/],
    ['99999999999999999999999', /value out of range/],
    // Go's ParseUint stops at the overflow, so a later bad character is not seen.
    ['99999999999999999999x', /value out of range/],
  ])
})

describe('int(min,max)', () => {
  const kind: KindSpec = {type: 'int', min: 0, max: 65535}
  runRows(kind, [
    ['0', 0], ['65535', 65535], ['0xffff', 65535], ['8775', 8775], ['017', 15],
    ['65536', /^value must be at most 65535$/], ['-1', /^value must be at least 0$/],
    ['99999999999999999999', /value out of range/], ['x', /invalid int/],
  ])
})

describe('float (Go 1.7 strconv.ParseFloat(raw, 64))', () => {
  runRows({type: 'float'}, [
    ['1.0', 1], ['1', 1], ['-2.5', -2.5], ['+3', 3], ['.5', 0.5], ['5.', 5], ['1e3', 1000], ['1E-2', 0.01], ['2.5e+2', 250],
    ['010', 10], ['0x10', /invalid syntax/], ['0x1p3', /invalid float \(strconv\.ParseFloat: parsing "0x1p3": invalid syntax\)/],
    ['inf', Infinity], ['+Inf', Infinity], ['-INF', -Infinity], ['infinity', Infinity], ['-Infinity', -Infinity],
    ['nan', Number.NaN], ['NaN', Number.NaN], ['NAN', Number.NaN],
    // Go 1.7's special() takes a sign only before inf/infinity.
    ['+nan', /invalid syntax/], ['-nan', /invalid syntax/],
    ['1e400', /value out of range/], ['-1e400', /value out of range/], ['1e-400', 0],
    ['', /invalid syntax/], ['.', /invalid syntax/], ['e5', /invalid syntax/], ['1e', /invalid syntax/], ['1e+', /invalid syntax/],
    [' 1', /invalid syntax/], ['1 ', /invalid syntax/], ['1_0', /invalid syntax/], ['1.2.3', /invalid syntax/], ['infin', /invalid syntax/],
  ])
})

describe('mark-bitmask (ParseUint(raw, 0, 32), >= 2 bits)', () => {
  runRows({type: 'mark-bitmask'}, [
    ['0xff000000', 0xff000000], ['0xFFFFFFFF', 0xffffffff], ['3', 3], ['0x3', 3], ['03', 3], ['6', 6], ['0x80000001', 0x80000001],
    ['1', /^invalid mark: needs to have 2 bits set$/], ['0x80000000', /needs to have 2 bits set/], ['0', /needs to have 2 bits set/],
    ['0x100000000', /invalid mark: should be 32-bit int .*value out of range/], ['4294967296', /value out of range/],
    ['-3', /should be 32-bit int .*invalid syntax/], ['+3', /invalid syntax/], ['08', /invalid syntax/], ['', /invalid syntax/], ['0b11', /invalid syntax/],
  ])
})

describe('oneof', () => {
  const levels: KindSpec = {type: 'oneof', values: ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']}
  runRows(levels, [
    ['info', 'INFO'], ['INFO', 'INFO'], ['Warning', 'WARNING'], ['critical', 'CRITICAL'],
    ['NONE', /unknown option \(one of DEBUG, INFO, WARNING, ERROR, CRITICAL/], ['WARN', /unknown option/], [' INFO', /unknown option/], ['', /unknown option/],
  ])
  runRows({type: 'oneof', values: ['DROP', 'ACCEPT', 'LOG-and-DROP', 'LOG-and-ACCEPT']}, [['log-AND-drop', 'LOG-and-DROP'], ['LOG-AND-ACCEPT', 'LOG-and-ACCEPT']])
  runRows({type: 'oneof', values: ['kubernetes', 'etcdv2']}, [['ETCDV2', 'etcdv2'], ['etcd', /unknown option/]])
})

describe('hostname, authority', () => {
  runRows({type: 'hostname'}, [
    ['node-1.example.com', 'node-1.example.com'], ['Node_1', 'Node_1'], ['127.0.0.1', '127.0.0.1'], ['a', 'a'],
    ['', /invalid hostname/], ['my host', /invalid hostname/], ['host:80', /invalid hostname/], ['fe80::1', /invalid hostname/], ['hôte', /invalid hostname/], ['a\n', /invalid hostname/],
  ])
  runRows({type: 'authority'}, [
    ['127.0.0.1:2379', '127.0.0.1:2379'], ['etcd:1', 'etcd:1'], ['my host:2379', 'my host:2379'],
    ['[::1]:2379', /invalid URL authority/], ['::1:2379', /invalid URL authority/], ['http://etcd:2379', /invalid URL authority/],
    ['etcd', /invalid URL authority/], ['etcd:', /invalid URL authority/], ['etcd:x', /invalid URL authority/], [':2379', /invalid URL authority/], ['', /invalid URL authority/],
  ])
})

describe('iface-list', () => {
  runRows({type: 'iface-list'}, [
    ['cali', 'cali'], ['tap,cali', 'tap,cali'], ['a_b-C9', 'a_b-C9'], ['abcdefghijklmno', 'abcdefghijklmno'],
    ['abcdefghijklmnop', /invalid Linux interface name/], ['tap, cali', /invalid Linux interface name/], ['tap,', /invalid Linux interface name/],
    [',tap', /invalid Linux interface name/], ['', /invalid Linux interface name/], ['ta.p', /invalid Linux interface name/], ['tap,abcdefghijklmnop', /invalid Linux interface name/],
  ])
})

describe('ipv4 (Go 1.7 net.ParseIP, canonical String())', () => {
  runRows({type: 'ipv4'}, [
    ['10.0.0.1', '10.0.0.1'], ['0.0.0.0', '0.0.0.0'], ['255.255.255.255', '255.255.255.255'],
    // Go 1.7 had no leading-zero rule: each part is decimal.
    ['010.001.0.01', '10.1.0.1'], ['0000000001.2.3.4', '1.2.3.4'],
    ['256.0.0.1', /invalid IP/], ['1.2.3', /invalid IP/], ['1.2.3.4.5', /invalid IP/], ['1.2.3.', /invalid IP/], ['-1.2.3.4', /invalid IP/],
    ['1.2.3.4 ', /invalid IP/], ['', /invalid IP/], ['localhost', /invalid IP/], ['0x1.2.3.4', /invalid IP/],
    ['::', '::'], ['::1', '::1'], ['FE80::ABCD', 'fe80::abcd'], ['2001:db8:0:0:0:0:0:1', '2001:db8::1'], ['2001:0db8:0000::0001', '2001:db8::1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'], ['0:0:1::', '0:0:1::'], ['1::', '1::'],
    ['::ffff:1.2.3.4', '1.2.3.4'], ['::FFFF:10.0.0.1', '10.0.0.1'], ['::1.2.3.4', '::102:304'], ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['00001::', '1::'],
    ['1:2:3:4:5:6:7:8:9', /invalid IP/], ['1::2::3', /invalid IP/], ['1:2:3:4:5:6:7:8::', /invalid IP/], ['::1:2:3:4:5:6:7:8', /invalid IP/],
    [':1', /invalid IP/], ['1:', /invalid IP/], ['12345::', /invalid IP/], ['::g', /invalid IP/], ['fe80::1%eth0', /invalid IP/], ['[::1]', /invalid IP/],
    ['1:2:3:4:5:1.2.3.4', /invalid IP/], ['::ffff:1.2.3.256', /invalid IP/],
  ])
})

describe('port-list', () => {
  runRows({type: 'port-list'}, [
    ['22', [22]], ['2379,2380,4001,7001', [2379, 2380, 4001, 7001]], ['022', [22]], ['+22', [22]], ['0', [0]], ['65535', [65535]], ['22,22', [22, 22]],
    ['22, 80', /ports should be integers/], [' 22', /ports should be integers/], ['', /ports should be integers/], ['22,', /ports should be integers/],
    [',22', /ports should be integers/], ['0x16', /ports should be integers/], ['ssh', /ports should be integers/], ['tcp:22', /ports should be integers/],
    ['65536', /^ports must be in range 0-65535$/], ['-1', /ports must be in range 0-65535/], ['99999999999999999999', /ports should be integers/],
  ])
})

describe('endpoint-list (Go 1.7 net/url)', () => {
  runRows({type: 'endpoint-list'}, [
    ['http://etcd1:2379', ['http://etcd1:2379/']],
    ['HTTP://Etcd1:2379', ['http://Etcd1:2379/']],
    ['https://etcd:2379/', ['https://etcd:2379/']],
    ['http://etcd1:2379,http://etcd2:2379', ['http://etcd1:2379/', 'http://etcd2:2379/']],
    [' http://a:1 , http://b:2 ', ['http://a:1/', 'http://b:2/']],
    // The "same scheme" check never fires.
    ['http://a:1,https://b:2', ['http://a:1/', 'https://b:2/']],
    ['http://a:1,,http://b:2,', ['http://a:1/', 'http://b:2/']],
    [',,', []], [' , ', []], ['', []],
    ['http://[fe80::1]:2379', ['http://[fe80::1]:2379/']],
    ['http://etcd', ['http://etcd/']],
    ['http://h:1?', ['http://h:1/?']],
    ['http://h:1#', ['http://h:1/']],
    ['//etcd:2379', ['//etcd:2379/']],
    ['http://h:1/path', /endpoint contained unsupported URL part; expected http\(s\):\/\/hostname:port only\./],
    ['http://h:1//', /unsupported URL part/], ['http://user@h:1', /unsupported URL part/], ['http://user:pw@h:1', /unsupported URL part/],
    ['http://h:1/?x=1', /unsupported URL part/], ['http://h:1#frag', /unsupported URL part/], ['etcd1:2379', /unsupported URL part/],
    ['127.0.0.1:2379', /unsupported URL part/], ['etcd', /unsupported URL part/], ['http://h:1/%2F', /unsupported URL part/],
    ['http://a b:1', /a b:1 is not a valid URL/], [':2379', /is not a valid URL .*missing protocol scheme/], ['http://h%zz:1', /is not a valid URL/],
    ['http://[::1:1', /is not a valid URL/], ['http://[::1]x', /is not a valid URL/], ['http://h:1#%', /is not a valid URL/],
    ['http://%41:1', /is not a valid URL/],
  ])
})

describe('string', () => {
  runRows({type: 'string'}, [
    ['calico-drop', 'calico-drop'], ['', ''], ['with spaces and # ;', 'with spaces and # ;'], ['tab\there', 'tab\there'], ['cr\r', 'cr\r'],
    ['two\nlines', /invalid string/], ['\n', /invalid string/],
  ])
})

describe('file kinds on a real temp dir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'felixctl-kinds-'))
  after(() => rmSync(dir, {recursive: true, force: true}))
  const felixDir = join(dir, 'felix')
  const binA = join(dir, 'binA')
  const binB = join(dir, 'binB')
  for (const d of [felixDir, binA, binB]) mkdirSync(d)
  writeFileSync(join(dir, 'ca.pem'), 'x')
  writeFileSync(join(felixDir, 'calico-iptables-plugin'), '#!/bin/sh\n')
  chmodSync(join(felixDir, 'calico-iptables-plugin'), 0o755)
  writeFileSync(join(felixDir, 'notexec'), 'x') // mode 0644: still wins in the felix dir
  mkdirSync(join(felixDir, 'somedir'))
  writeFileSync(join(binA, 'plugin'), 'x') // not executable: skipped on PATH
  writeFileSync(join(binB, 'plugin'), '#!/bin/sh\n')
  chmodSync(join(binB, 'plugin'), 0o755)
  mkdirSync(join(binA, 'dirplugin'))
  writeFileSync(join(dir, 'abs-exec'), '#!/bin/sh\n')
  chmodSync(join(dir, 'abs-exec'), 0o700)
  symlinkSync(join(dir, 'missing-target'), join(dir, 'dangling'))
  const probe = realFileProbe({felixDir, pathEnv: `${binA}:${binB}`})

  describe('file', () => {
    runRows({type: 'file'}, [['/var/log/calico/felix.log', '/var/log/calico/felix.log'], ['', ''], ['relative/x', 'relative/x'], [join(dir, 'nope'), join(dir, 'nope')]], probe)
  })
  describe('file(must-exist)', () => {
    runRows(
      {type: 'file', mustExist: true},
      [
        [join(dir, 'ca.pem'), join(dir, 'ca.pem')], [dir, dir], ['', ''],
        [join(dir, 'missing.pem'), /failed to access file/], [join(dir, 'dangling'), /failed to access file/], [join(dir, 'ca.pem/x'), /failed to access file/],
      ],
      probe,
    )
  })
  describe('file(must-exist,executable)', () => {
    runRows(
      {type: 'file', mustExist: true, executable: true},
      [
        ['calico-iptables-plugin', `${felixDir}/calico-iptables-plugin`],
        ['notexec', `${felixDir}/notexec`],
        ['somedir', `${felixDir}/somedir`],
        ['', `${felixDir}/`],
        ['plugin', join(binB, 'plugin')],
        [join(dir, 'abs-exec'), join(dir, 'abs-exec')],
        [join(dir, 'ca.pem'), /missing file/],
        ['dirplugin', /missing file/],
        ['no-such-driver', /missing file/],
        ['./plugin', /missing file/],
      ],
      probe,
    )
  })
  test('empty PATH elements mean the current directory; PATH entries are cleaned like filepath.Join', () => {
    const p = {...probe, pathEnv: `:${binB}/`, isExecutable: (path: string) => path === 'tool' || path === `${binB}/plugin`}
    assert.deepEqual(parseKind({type: 'file', mustExist: true, executable: true}, 'tool', p), {ok: true, value: 'tool'})
    assert.deepEqual(parseKind({type: 'file', mustExist: true, executable: true}, 'plugin', p), {ok: true, value: `${binB}/plugin`})
  })
  test('empty PATH finds nothing', () => {
    const r = parseKind({type: 'file', mustExist: true, executable: true}, 'plugin', {...probe, pathEnv: ''})
    assert.equal(r.ok, false)
  })
  test('an executable that is not must-exist gives "" when not found', () => {
    assert.deepEqual(parseKind({type: 'file', executable: true}, 'no-such', probe), {ok: true, value: ''})
  })
  test('realFileProbe defaults: /usr/bin and $PATH', () => {
    const p = realFileProbe()
    assert.equal(p.felixDir, '/usr/bin')
    assert.equal(p.pathEnv, process.env.PATH ?? '')
    assert.equal(p.exists('/'), true)
    assert.equal(p.isExecutable('/'), false)
    assert.equal(p.isExecutable(process.execPath), true)
  })
})

describe('zeroValue, kindLabel, describeKind', () => {
  const rows: [KindSpec, TypedValue, string][] = [
    [{type: 'bool'}, false, 'bool'],
    [{type: 'int'}, 0, 'int'],
    [{type: 'int', min: 0, max: 65535}, 0, 'int(0,65535)'],
    [{type: 'float'}, 0, 'float'],
    [{type: 'mark-bitmask'}, 0, 'mark-bitmask'],
    [{type: 'oneof', values: ['DEBUG', 'INFO']}, '', 'oneof(DEBUG,INFO)'],
    [{type: 'hostname'}, '', 'hostname'],
    [{type: 'authority'}, '', 'authority'],
    [{type: 'iface-list'}, '', 'iface-list'],
    [{type: 'ipv4'}, null, 'ipv4'],
    [{type: 'port-list'}, [], 'port-list'],
    [{type: 'endpoint-list'}, [], 'endpoint-list'],
    [{type: 'file'}, '', 'file'],
    [{type: 'file', mustExist: true}, '', 'file(must-exist)'],
    [{type: 'file', mustExist: true, executable: true}, '', 'file(must-exist,executable)'],
    [{type: 'string'}, '', 'string'],
  ]
  for (const [kind, zero, label] of rows) {
    test(label, () => {
      assert.deepEqual(zeroValue(kind), zero)
      assert.equal(kindLabel(kind), label)
      assert.ok(describeKind(kind).length > 10)
    })
  }
  test('describeKind names ranges and choices', () => {
    assert.match(describeKind({type: 'int', min: 0, max: 65535}), /0\.\.65535/)
    assert.match(describeKind({type: 'int'}), /0x hex/)
    assert.match(describeKind({type: 'oneof', values: ['insert', 'append']}), /insert, append/)
    assert.match(describeKind({type: 'mark-bitmask'}), /2 bits/)
  })
})

describe('goQuote and goToLower: byte-exact with the rune-by-rune definitions', () => {
  // The definitions the fast helpers must reproduce: Go's loops, one code point at a time.
  const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u
  function quoteByRune(s: string): string {
    const named: Record<string, string> = {'\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\'}
    let out = '"'
    for (const ch of s) {
      const c = ch.codePointAt(0)!
      if (named[ch] !== undefined) out += named[ch]
      else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0')
      else if (c === 0x20 || GO_PRINTABLE.test(ch)) out += ch
      else if (c < 0x10000) out += '\\u' + c.toString(16).padStart(4, '0')
      else out += '\\U' + c.toString(16).padStart(8, '0')
    }
    return out + '"'
  }
  function lowerByRune(s: string): string {
    let out = ''
    for (const ch of s) out += ch === '\u0130' ? 'i' : ch.toLowerCase()
    return out
  }
  const rows = [
    '', 'plain', 'LogSeverityFile', 'a"b\\c', '\x00\x07\b\t\n\v\f\r\x1b\x7f', '\u0080\u009b\u00a0\u00ad', 'é€😀', '\u{e0001}\u{10ffff}',
    '\ud800', 'x\udfffy', '\u2028\u2029\u200e\u202e\ufeff\ufffd', 'İNSERT', 'ΑΣ', 'ΑΣ Β', 'ΣΑΣ.', 'FelİxHostname', 'ǅ ẞ Ω K',
  ]
  for (const s of rows) {
    test(`${JSON.stringify(s)}`, () => {
      assert.equal(goQuote(s), quoteByRune(s))
      assert.equal(goToLower(s), lowerByRune(s))
    })
  }
  test('every code point of the BMP and the supplementary planes one at a time, and in context', () => {
    for (let c = 0; c <= 0x10ffff; c += c < 0x3000 ? 1 : 97) {
      const ch = String.fromCodePoint(c)
      assert.equal(goQuote(ch), quoteByRune(ch), `U+${c.toString(16)}`)
      assert.equal(goToLower(`A${ch}Σ`), lowerByRune(`A${ch}Σ`), `U+${c.toString(16)}`)
    }
  })
  test('random strings (full Unicode and lone surrogates)', () => {
    holds(fc.property(fc.string({unit: fc.oneof(fc.constantFrom('Σ', 'İ', '\x1b', '\u009b', '"', '\\'), fc.string({unit: 'binary', maxLength: 1}), fc.string({unit: 'grapheme', maxLength: 1}), fc.integer({min: 0xd800, max: 0xdfff}).map((n) => String.fromCharCode(n)))}), (s) => {
      assert.equal(goQuote(s), quoteByRune(s))
      assert.equal(goToLower(s), lowerByRune(s))
    }))
  })
})
