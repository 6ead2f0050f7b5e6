import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  normalizeSysctlKey,
  parseKernelInt,
  parseModuleList,
  parseSysctlConf,
  serializeSysctlConf,
  setSysctlValue,
  sysctlKeyMatches,
  sysctlKeyToDotted,
} from '../../src/formats/sysctl-conf.js'
import {fileDiff as unifiedDiff} from '../../src/lib/diff.js'

describe('normalizeSysctlKey (systemd sysctl_normalize)', () => {
  const rows: [string, string][] = [
    ['net.netfilter.nf_conntrack_max', 'net/netfilter/nf_conntrack_max'],
    ['net/netfilter/nf_conntrack_max', 'net/netfilter/nf_conntrack_max'],
    // First separator a dot: dots and slashes swap (interface names with dots).
    ['net.ipv4.conf.eth0/1.rp_filter', 'net/ipv4/conf/eth0.1/rp_filter'],
    // First separator a slash: the key is a path already, dots stay.
    ['net/ipv4/conf/eth0.1/rp_filter', 'net/ipv4/conf/eth0.1/rp_filter'],
    ['/net//netfilter/nf_conntrack_max', 'net/netfilter/nf_conntrack_max'],
    ['net.netfilter.*', 'net/netfilter/*'],
  ]
  for (const [input, want] of rows) test(input, () => assert.equal(normalizeSysctlKey(input), want))
  test('dotted round trip', () => assert.equal(sysctlKeyToDotted('net/ipv4/conf/eth0.1/rp_filter'), 'net.ipv4.conf.eth0/1.rp_filter'))
})

describe('sysctlKeyMatches (glob(3) on /proc/sys paths)', () => {
  const rows: [string, boolean][] = [
    ['net.netfilter.nf_conntrack_max', true],
    ['net.netfilter.*', true],
    ['net.netfilter.nf_conntrack_*', true],
    ['net.*.nf_conntrack_max', true],
    ['net.netfilter.nf_conntrack_ma?', true],
    ['net.netfilter.nf_conntrack_ma[xy]', true],
    ['net.netfilter.nf_conntrack_ma[!x]', false],
    // `*` never crosses a separator.
    ['net.*', false],
    ['*', false],
    ['net.netfilter.nf_conntrack_max_x', false],
    ['net.netfilter.nf_conntrack_count', false],
  ]
  for (const [pattern, want] of rows) test(`${pattern} -> ${want}`, () => assert.equal(sysctlKeyMatches(normalizeSysctlKey(pattern), 'net/netfilter/nf_conntrack_max'), want))
})

describe('parseSysctlConf', () => {
  type Row = {line: string; kind: string; key?: string; procpsKey?: string | null; value?: string; ignoreFailure?: boolean; glob?: boolean}
  const rows: Row[] = [
    {line: '', kind: 'blank'},
    {line: '   ', kind: 'blank'},
    {line: '# net.netfilter.nf_conntrack_max = 1', kind: 'comment'},
    {line: '  ; net.netfilter.nf_conntrack_max = 1', kind: 'comment'},
    {line: 'net.netfilter.nf_conntrack_max=1000000', kind: 'assignment', key: 'net/netfilter/nf_conntrack_max', procpsKey: 'net/netfilter/nf_conntrack_max', value: '1000000', ignoreFailure: false},
    {line: '  net/netfilter/nf_conntrack_max   =   5  ', kind: 'assignment', key: 'net/netfilter/nf_conntrack_max', value: '5'},
    {line: '-net.netfilter.nf_conntrack_max = 7', kind: 'assignment', key: 'net/netfilter/nf_conntrack_max', procpsKey: 'net/netfilter/nf_conntrack_max', value: '7', ignoreFailure: true},
    // procps keeps the blank after "-": the key " net..." never exists (verified with procps-ng 4.0.2).
    {line: '- net.netfilter.nf_conntrack_max = 12', kind: 'assignment', key: 'net/netfilter/nf_conntrack_max', procpsKey: null, value: '12', ignoreFailure: true},
    // Both tools keep an assignment without a value (and the kernel rejects the write).
    {line: 'net.netfilter.nf_conntrack_max =', kind: 'assignment', key: 'net/netfilter/nf_conntrack_max', procpsKey: 'net/netfilter/nf_conntrack_max', value: ''},
    {line: 'net.netfilter.* = 9', kind: 'assignment', key: 'net/netfilter/*', value: '9', glob: true},
    {line: '-net.netfilter.nf_conntrack_max', kind: 'exclude', key: 'net/netfilter/nf_conntrack_max'},
    {line: 'net.netfilter.nf_conntrack_max', kind: 'invalid'},
    {line: '= 5', kind: 'invalid'},
    {line: 'kernel.core_pattern = |/bin/x a=b', kind: 'assignment', key: 'kernel/core_pattern', value: '|/bin/x a=b'},
  ]
  for (const r of rows) {
    test(JSON.stringify(r.line), () => {
      const [l] = parseSysctlConf(r.line + '\n').lines
      assert.equal(l.kind, r.kind)
      for (const k of ['key', 'procpsKey', 'value', 'ignoreFailure', 'glob'] as const) if (k in r) assert.equal(l[k], r[k], k)
    })
  }
  test('line numbers and endings are kept', () => {
    const doc = parseSysctlConf('a = 1\r\n\nb = 2')
    assert.deepEqual(doc.lines.map((l) => [l.line, l.eol, l.kind]), [[1, '\r\n', 'assignment'], [2, '\n', 'blank'], [3, '', 'assignment']])
  })
  test('serialize is lossless for any text', () => {
    fc.assert(fc.property(fc.string({unit: fc.constantFrom('a', '=', ' ', '\t', '\n', '\r', '#', ';', '-', '.', '/', '*', '1', 'é')}), (s) => serializeSysctlConf(parseSysctlConf(s)) === s))
  })
})

describe('parseKernelInt (proc_dointvec)', () => {
  const rows: [string, number | null][] = [
    ['1000000', 1000000],
    ['  1000000 ', 1000000],
    ['0x10', 16],
    ['010', 8],
    ['0', 0],
    ['-5', -5],
    ['1e6', null],
    ['1,000,000', null],
    ['', null],
    ['1000000 # comment', null],
    ['+5', null],
  ]
  for (const [v, want] of rows) test(JSON.stringify(v), () => assert.equal(parseKernelInt(v), want))
})

describe('setSysctlValue', () => {
  const K = 'net/netfilter/nf_conntrack_max'
  const rows: {name: string; before: string; after: string; removed?: number[]}[] = [
    {name: 'empty file gets header and key', before: '', after: '# h\nnet.netfilter.nf_conntrack_max = 1000000\n'},
    {name: 'appends after a file without trailing newline', before: '# x\nvm.swappiness=1', after: '# x\nvm.swappiness=1\nnet.netfilter.nf_conntrack_max = 1000000\n'},
    {name: 'replaces the value in place, keeping spelling and spacing', before: '# c\nnet/netfilter/nf_conntrack_max   =  65536   # not a comment\n', after: '# c\nnet/netfilter/nf_conntrack_max   =  1000000\n'},
    {name: 'keeps spacing around a plain value', before: ' net.netfilter.nf_conntrack_max=65536  \nx=1\n', after: ' net.netfilter.nf_conntrack_max=1000000  \nx=1\n'},
    {name: 'collapses the seed recipe duplicates into the last line', before: 'a=1\nnet.netfilter.nf_conntrack_max=1000000\nb=2\nnet.netfilter.nf_conntrack_max=1000000\nnet.netfilter.nf_conntrack_max=5\n', after: 'a=1\nb=2\nnet.netfilter.nf_conntrack_max=1000000\n', removed: [2, 4]},
    {name: 'CRLF file stays CRLF', before: 'a=1\r\n', after: 'a=1\r\nnet.netfilter.nf_conntrack_max = 1000000\r\n'},
    {name: 'globs, comments and other keys are untouched', before: 'net.netfilter.* = 5\n#net.netfilter.nf_conntrack_max=1\nnet.netfilter.nf_conntrack_maxx=1\n', after: 'net.netfilter.* = 5\n#net.netfilter.nf_conntrack_max=1\nnet.netfilter.nf_conntrack_maxx=1\nnet.netfilter.nf_conntrack_max = 1000000\n'},
    {name: 'an ignore-failure line keeps its dash', before: '-net.netfilter.nf_conntrack_max = 5\n', after: '-net.netfilter.nf_conntrack_max = 1000000\n'},
    {name: 'a "-key" line that cancels at boot becomes the assignment', before: 'net.netfilter.nf_conntrack_max = 5\n# c\n-net.netfilter.nf_conntrack_max  \n', after: '# c\n-net.netfilter.nf_conntrack_max = 1000000\n', removed: [1]},
    {name: 'a "-key" line before the assignment is kept', before: '-net.netfilter.nf_conntrack_max\nnet.netfilter.nf_conntrack_max = 5\n', after: '-net.netfilter.nf_conntrack_max\nnet.netfilter.nf_conntrack_max = 1000000\n'},
  ]
  for (const r of rows) {
    test(r.name, () => {
      const res = setSysctlValue(r.before, K, '1000000', {header: ['# h']})
      assert.equal(res.text, r.after)
      assert.equal(res.changed, r.before !== r.after)
      assert.deepEqual(res.removedLines, r.removed ?? [])
    })
  }
  test('idempotent: a second edit changes nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a=1', '# c', '', '-net.netfilter.nf_conntrack_max', 'net.netfilter.nf_conntrack_max = 5', 'net/netfilter/nf_conntrack_max=7', 'net.netfilter.* = 3'), {maxLength: 8}), (lines) => {
        const once = setSysctlValue(lines.join('\n'), K, '42').text
        const twice = setSysctlValue(once, K, '42')
        const defs = parseSysctlConf(once).lines.filter((l) => l.kind === 'assignment' && l.key === K)
        return !twice.changed && twice.text === once && defs.length === 1 && defs[0].value === '42'
      }),
    )
  })
})

describe('parseModuleList', () => {
  test('modules-load.d', () => assert.deepEqual(parseModuleList('# c\n; c\nnf-conntrack\n\n br_netfilter \n', 'modules-load.d'), [{module: 'nf_conntrack', line: 3}, {module: 'br_netfilter', line: 5}]))
  test('/etc/modules takes the first word', () => assert.deepEqual(parseModuleList('# /etc/modules\nnf_conntrack hashsize=65536\n', 'etc-modules'), [{module: 'nf_conntrack', line: 2}]))
})

describe('unifiedDiff', () => {
  test('equal texts give nothing', () => assert.equal(unifiedDiff('a\n', 'a\n', '/x'), ''))
  test('a new file', () => assert.equal(unifiedDiff('', 'a\nb\n', '/etc/x.conf', true), '--- /dev/null\n+++ /etc/x.conf\n@@ -0,0 +1,2 @@\n+a\n+b\n'))
  test('a change in the middle, with three lines of context', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((l) => l + '\n').join('')
    const after = before.replace('5\n', 'five\n')
    assert.equal(unifiedDiff(before, after, '/f'), '--- /f\n+++ /f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n')
  })
  test('a removed line and a missing newline', () => {
    assert.equal(unifiedDiff('a\nb', 'a\n', '/f'), '--- /f\n+++ /f\n@@ -1,2 +1 @@\n a\n-b\n\\ No newline at end of file\n')
  })
})
