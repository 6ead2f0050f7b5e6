import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {clipLines, clipText, escapeTerminal, escapeTerminalText, showField, showQuoted, SHOWN_CHARS} from '../../src/render/escape.js'

/** What may never be left raw by escapeTerminal. */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufffd]|[\ud800-\udfff]/u

describe('escapeTerminal: every control as a visible escape', () => {
  const hex = (c: number, w: number) => c.toString(16).padStart(w, '0')
  for (let c = 0; c < 0x20; c++) {
    const named: Record<number, string> = {9: '\\t', 10: '\\n', 13: '\\r'}
    test(`C0 U+${hex(c, 4)}`, () => assert.equal(escapeTerminal(`a${String.fromCharCode(c)}b`), `a${named[c] ?? `\\x${hex(c, 2)}`}b`))
  }
  test('DEL', () => assert.equal(escapeTerminal('\x7f'), '\\x7f'))
  for (let c = 0x80; c < 0xa0; c++) {
    test(`C1 U+${hex(c, 4)}`, () => assert.equal(escapeTerminal(String.fromCharCode(c)), `\\u${hex(c, 4)}`))
  }
  const rows: [string, string, string][] = [
    ['clear screen', '\x1b[2J\x1b[H', '\\x1b[2J\\x1b[H'],
    ['window title (OSC, BEL)', '\x1b]0;owned\x07', '\\x1b]0;owned\\x07'],
    ['window title (OSC, ST)', '\x1b]2;t\x1b\\', '\\x1b]2;t\\x1b\\'],
    ['reset', '\x1bc', '\\x1bc'],
    ['8-bit CSI', '\u009b2J', '\\u009b2J'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['bidi overrides and isolates', '\u202eevil\u202c \u2066x\u2069 \u200f', '\\u202eevil\\u202c \\u2066x\\u2069 \\u200f'],
    ['byte order mark', '\ufeffx', '\\ufeffx'],
    ['lone surrogates', '\ud800x\udc00', '\\ud800x\\udc00'],
    ['a surrogate pair is a character', '😀', '😀'],
    ['printable text is kept', 'Fel İx é € \\x1b [ok]', 'Fel İx é € \\x1b [ok]'],
  ]
  for (const [what, input, expected] of rows) test(what, () => assert.equal(escapeTerminal(input), expected))

  test('invalid UTF-8 (decoded to U+FFFD) is shown as an escape', () => {
    const s = Buffer.from([0x61, 0xff, 0xfe, 0xc3, 0x62]).toString('utf8')
    assert.equal(escapeTerminal(s), 'a\\ufffd\\ufffd\\ufffdb')
  })

  test('no output holds an unsafe character, for every code unit', () => {
    let all = ''
    for (let c = 0; c < 0x10000; c++) all += String.fromCharCode(c)
    assert.doesNotMatch(escapeTerminal(all), UNSAFE)
  })
})

describe('escapeTerminalText: multi-line text', () => {
  test('newlines stay; the rest is escaped', () => assert.equal(escapeTerminalText('Error: a\x1b[2J\nHint: \tb\r\n'), 'Error: a\\x1b[2J\nHint: \\tb\\r\n'))
  test('SGR colours stay only when asked', () => {
    assert.equal(escapeTerminalText('\x1b[31mred\x1b[39m', true), '\x1b[31mred\x1b[39m')
    assert.equal(escapeTerminalText('\x1b[31mred\x1b[39m', false), '\\x1b[31mred\\x1b[39m')
  })
  test('with colours kept, other sequences are still escaped', () => {
    assert.equal(escapeTerminalText('\x1b[2J\x1b]0;t\x07\x1b[1;31m\x1b[', true), '\\x1b[2J\\x1b]0;t\\x07\x1b[1;31m\\x1b[')
  })
})

describe('long strings are cut with their length shown', () => {
  test('clipText keeps short strings whole', () => assert.equal(clipText('x'.repeat(SHOWN_CHARS)), 'x'.repeat(SHOWN_CHARS)))
  test('clipText cuts and shows the length', () => assert.equal(clipText('x'.repeat(1_000_000)), `${'x'.repeat(SHOWN_CHARS)}…(1000000 chars)`))
  test('clipText never splits a surrogate pair', () => {
    const s = 'a' + '😀'.repeat(200)
    assert.equal(clipText(s, 4), 'a😀…(401 chars)')
  })
  test('showField clips, then escapes', () => assert.equal(showField('\x1b'.repeat(10), 3), '\\x1b\\x1b\\x1b…(10 chars)'))
  test('showQuoted quotes as JSON, clips and escapes C1', () => {
    assert.equal(showQuoted('a\u009b"b'), '"a\\u009b\\"b"')
    assert.equal(showQuoted('y'.repeat(10), 4), '"yyyy"…(10 chars)')
  })
  test('clipLines keeps the start and the end of a long line, and short lines whole', () => {
    const line = `value "${'z'.repeat(100_000)}": unknown option`
    const out = clipLines(`${line}\nhint: short`, 100)
    const [first, second] = out.split('\n')
    assert.ok(first.length < 200, first)
    assert.match(first, /^value "z+…\(\d+ of 100024 chars not shown\)…z+": unknown option$/)
    assert.equal(second, 'hint: short')
  })
})
