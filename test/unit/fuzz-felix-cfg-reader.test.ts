/**
 * Property-based tests of the felix.cfg reader (go-ini rules, src/layers/felix-cfg.ts), issue 10:
 * any input either parses or gives felixctl's own load error naming the file and the line;
 * never another exception; time linear in the input size.
 * Runs per property: FELIXCTL_FUZZ_RUNS (default 200; `npm run fuzz` uses more).
 */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {RUNS} from '../helpers/fuzz.js'
import {cpuMs} from '../helpers/cost.js'
import {parseFelixCfg, scanFelixCfg} from '../../src/layers/felix-cfg.js'

const PATH = '/etc/calico/felix.cfg'

/** Fragments that exercise go-ini's corners: quotes, delimiters, comments, continuations, sections, spaces. */
const FRAGMENTS = [
  '[global]', '[DEFAULT]', '[', ']', '[]', '[ x ]', 'LogSeverityFile', 'logseverityfile', 'IpInIpMtu', '-', '=', ':', ' = ', '#', ';', '"', '"""', '`',
  '\\', '\n', '\r\n', '\r', '\t', ' ', '\u00a0', '\u0085', '\u2028', '\ufeff', '\u0000', 'DEBUG', '1400', 'none', 'é', '日本', '\ud83d\ude00',
]

/** Text made of felix.cfg-like fragments and arbitrary characters. */
export const felixCfgLikeText = fc
  .array(fc.oneof({weight: 4, arbitrary: fc.constantFrom(...FRAGMENTS)}, {weight: 1, arbitrary: fc.string({maxLength: 8})}, {weight: 1, arbitrary: fc.string({unit: 'grapheme', maxLength: 4})}), {maxLength: 80})
  .map((parts) => parts.join(''))

/** Line-structured text: more keys and sections survive the parse, so the ok path is covered too. */
export const felixCfgLines = fc
  .array(
    fc.oneof(
      fc.constantFrom('[global]', '[DEFAULT]', '[other]', '# c', '; c', '', '  '),
      fc.tuple(fc.constantFrom('LogSeverityFile', 'logSeverityFile', 'IpInIpMtu', 'MetadataAddr', '"Quoted Key"', '`tick`', '-', 'X'), fc.constantFrom(' = ', '=', ': ', ' :'), fc.oneof(fc.constantFrom('DEBUG', '1400', '', 'a # b', '`x`', '"""y"""', 'v\\', "'q'", '"q"', '`open', '"""open'), fc.string({maxLength: 6}))).map(([k, d, v]) => k + d + v),
    ),
    {maxLength: 30},
  )
  .chain((lines) => fc.constantFrom('\n', '\r\n').map((eol) => lines.join(eol) + (lines.length % 2 ? eol : '')))

function lineCount(text: string): number {
  let n = 1
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
  return n
}

function checkParse(input: string | Buffer): void {
  let r
  try {
    r = parseFelixCfg(input, PATH)
  } catch (error) {
    assert.fail(`parseFelixCfg threw ${(error as Error)?.name}: ${(error as Error)?.message} for ${JSON.stringify(input.toString())}`)
  }
  const lines = lineCount(typeof input === 'string' ? input : input.toString('utf8'))
  if (r.ok) {
    for (const e of [...r.entries, ...r.shadowed]) {
      assert.equal(e.layer, 'file')
      assert.equal(e.origin.path, PATH)
      assert.ok(e.key.length > 0, 'no empty key')
      assert.ok(Number.isInteger(e.origin.line) && e.origin.line! >= 1 && e.origin.line! <= lines, `line ${e.origin.line} within 1..${lines}`)
    }
    // The winners are unique per key (Felix flattens into one map).
    assert.equal(new Set(r.entries.map((e) => e.key)).size, r.entries.length)
  } else {
    assert.ok(r.error.message.startsWith(`${PATH}:${r.error.line}: `), `error names the file and line: ${r.error.message}`)
    assert.ok(Number.isInteger(r.error.line) && r.error.line >= 1 && r.error.line <= lines + 1, `error line ${r.error.line} within 1..${lines + 1}`)
  }
}

describe('felix.cfg reader: properties', () => {
  test('fragment soup: parses, or a load error with file and line; never throws', () => {
    fc.assert(fc.property(felixCfgLikeText, (t) => checkParse(t)), {numRuns: RUNS})
  })

  test('line-structured files: same, and the ok path is taken often', () => {
    let ok = 0
    fc.assert(
      fc.property(felixCfgLines, (t) => {
        checkParse(t)
        if (parseFelixCfg(t, PATH).ok) ok++
      }),
      {numRuns: RUNS},
    )
    assert.ok(ok > RUNS / 10, `only ${ok} of ${RUNS} generated files parsed: the generator no longer covers the ok path`)
  })

  test('arbitrary bytes: invalid UTF-8, NUL, BOMs (UTF-8 and UTF-16), CRLF', () => {
    const prefix = fc.constantFrom(Buffer.alloc(0), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([0xff, 0xfe]), Buffer.from([0xfe, 0xff]))
    const chunk = fc.oneof(fc.uint8Array({maxLength: 40}).map((a) => Buffer.from(a)), fc.constantFrom('\r\n', '\0', '\xff', '[global]\n', 'a = b\n', '\x80\xc0').map((s) => Buffer.from(s, 'latin1')))
    fc.assert(
      fc.property(prefix, fc.array(chunk, {maxLength: 12}), (p, cs) => checkParse(Buffer.concat([p, ...cs]))),
      {numRuns: RUNS},
    )
  })

  test('parsing is deterministic and a Buffer parses like its UTF-8 text', () => {
    fc.assert(
      fc.property(felixCfgLines, (t) => {
        assert.deepEqual(parseFelixCfg(Buffer.from(t, 'utf8'), PATH), parseFelixCfg(t, PATH))
      }),
      {numRuns: RUNS},
    )
  })
})

/** Median of `times` timings of fn, in ms. */
describe('felix.cfg reader: linear time', () => {
  const MiB = 1024 * 1024
  // Each shape at 1 MiB and at 10 MiB: the large one must take less than ~10x (with slack), and
  // stay well under a few seconds. A quadratic scan of a 10 MiB line would take minutes.
  // Shapes with many lines run at 0.5 and 5 MiB to keep CI quick; the huge-line shapes at 1 and 10 MiB.
  const shapes: Array<{name: string; make: (size: number) => string; scale?: number}> = [
    {name: 'one huge key = value line', make: (n) => `[global]\nLogSeverityFile = ${'x'.repeat(n)}\n`},
    {name: 'one huge line without a delimiter (load error)', make: (n) => `[global]\n${'y'.repeat(n)}\n`},
    {name: 'one huge section header without ]', make: (n) => `[${'s'.repeat(n)}\n`},
    {name: 'many short lines', make: (n) => `[global]\n${'Key = value # comment\n'.repeat(Math.ceil(n / 22))}`, scale: 0.5},
    {name: 'an unclosed backtick value then many lines', make: (n) => `a = \`open\n${'b = c\n'.repeat(Math.ceil(n / 6))}`},
    {name: 'a backtick value closed at the very end', make: (n) => `a = \`open\n${'b = c\n'.repeat(Math.ceil(n / 6))}end\`\n`},
    {name: 'one long continuation value', make: (n) => `a = x\\\n${'yyyyyyy\\\n'.repeat(Math.ceil(n / 9))}z\n`, scale: 0.5},
    {name: 'many sections', make: (n) => '[s]\nk = v\n'.repeat(Math.ceil(n / 10)), scale: 0.5},
    {name: 'many distinct keys', make: (n) => Array.from({length: Math.ceil(n / 12)}, (_, i) => `k${i.toString(36).padStart(6, '0')} = 1\n`).join(''), scale: 0.5},
    {name: 'many quotes on one line', make: (n) => `a = ${'"""`'.repeat(Math.ceil(n / 4))}\n`},
    {name: 'CRLF and spaces', make: (n) => `[global]\r\n${' \u00a0 k = v \t\r\n'.repeat(Math.ceil(n / 12))}`, scale: 0.5},
  ]
  for (const s of shapes) {
    test(s.name, () => {
      const unit = MiB * (s.scale ?? 1)
      const small = s.make(unit)
      const big = s.make(10 * unit)
      assert.ok(big.length >= 10 * unit, `the big input is at least ${10 * unit} characters`)
      // Warm up the JIT on the small input first.
      scanFelixCfg(small)
      const tSmall = cpuMs(() => parseFelixCfg(small, PATH))
      // CPU time, median of three; a growth ratio with a wide margin (linear is 10x, quadratic 100x),
      // never an absolute limit: one GC pause or a busy neighbour must not read as non-linear.
      const tBig = cpuMs(() => parseFelixCfg(big, PATH), 3)
      assert.ok(tBig < Math.max(40 * tSmall, 400), `not linear: 1 MiB ${tSmall.toFixed(1)} ms, 10 MiB ${tBig.toFixed(1)} ms of CPU`)
    })
  }
})
