/** --pid/--running (issue 19): Felix's command line, paths through a process's root, finding calico-felix, version notes. */
import {test, describe, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {configFileFromArgs, findFelixProcesses, pathInRoot, pickRunningFelix, versionFromOutput, versionNote} from '../../src/services/felix-process.js'
import {FelixctlError} from '../../src/errors.js'

let dir: string
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'felixctl-proc-'))
})
after(() => rmSync(dir, {recursive: true, force: true}))

describe('configFileFromArgs: Felix 2.0 docopt `calico-felix [-c <config>]`', () => {
  const rows: [string[], string | undefined][] = [
    [['calico-felix'], undefined],
    [['calico-felix', '-c', '/a.cfg'], '/a.cfg'],
    [['calico-felix', '-c/a.cfg'], '/a.cfg'],
    [['calico-felix', '--config-file', '/a.cfg'], '/a.cfg'],
    [['calico-felix', '--config-file=/a.cfg'], '/a.cfg'],
    [['calico-felix', '--config', '/a.cfg'], '/a.cfg'],
    [['calico-felix', '--c=/a.cfg'], '/a.cfg'],
    [['calico-felix', '-c', '/a.cfg', '--config-file', '/b.cfg'], '/b.cfg'],
    [['calico-felix', '--version'], undefined],
    [['calico-felix', '--', '-c', '/a.cfg'], undefined],
    [['/bin/sh', '/usr/bin/calico-felix', '--config-file', 'rel.cfg'], 'rel.cfg'],
    [['calico-felix', '--config-file=', 'x'], ''],
  ]
  for (const [argv, want] of rows) {
    test(argv.join(' '), () => assert.equal(configFileFromArgs(argv), want))
  }
})

describe('pathInRoot: symbolic links resolved against the process root', () => {
  test('relative and absolute links, .., a missing file', () => {
    const root = join(dir, 'root')
    mkdirSync(join(root, 'etc/calico'), {recursive: true})
    mkdirSync(join(root, 'config'), {recursive: true})
    writeFileSync(join(root, 'config/felix.cfg'), 'x')
    symlinkSync('/config/felix.cfg', join(root, 'etc/calico/abs.cfg'))
    symlinkSync('../../config/felix.cfg', join(root, 'etc/calico/rel.cfg'))
    symlinkSync('/config', join(root, 'etc/cfgdir'))
    symlinkSync('loop', join(root, 'etc/loop'))
    const rows: [string, string][] = [
      ['/etc/calico/abs.cfg', `${root}/config/felix.cfg`],
      ['/etc/calico/rel.cfg', `${root}/config/felix.cfg`],
      ['/etc/cfgdir/felix.cfg', `${root}/config/felix.cfg`],
      ['/etc/calico/../../../config/felix.cfg', `${root}/config/felix.cfg`],
      ['/etc/calico/missing.cfg', `${root}/etc/calico/missing.cfg`],
    ]
    for (const [path, want] of rows) assert.equal(pathInRoot(root, path), want, path)
    assert.throws(() => pathInRoot(root, '/etc/loop'), (e: FelixctlError) => e.exitCode === 6 && /too many levels of symbolic links/.test(e.message))
  })
})

describe('findFelixProcesses and --running, on a prepared /proc', () => {
  const fakeProc = (procs: Record<string, {comm: string; cmdline: string[]; exe?: string}>) => {
    const root = mkdtempSync(join(dir, 'proc-'))
    mkdirSync(join(root, 'self'))
    for (const [pid, p] of Object.entries(procs)) {
      mkdirSync(join(root, pid))
      writeFileSync(join(root, pid, 'comm'), p.comm + '\n')
      writeFileSync(join(root, pid, 'cmdline'), p.cmdline.map((a) => a + '\0').join(''))
      if (p.exe) symlinkSync(p.exe, join(root, pid, 'exe'))
    }
    return root
  }

  test('by executable name, comm or argv[0]; kernel threads and --version probes are not Felix', () => {
    const root = fakeProc({
      '10': {comm: 'calico-felix', cmdline: ['calico-felix'], exe: '/usr/bin/calico-felix'},
      '11': {comm: 'exe', cmdline: ['/proc/10/exe', '--version'], exe: '/usr/bin/calico-felix'},
      '12': {comm: 'sleep', cmdline: ['sleep', '30'], exe: '/bin/sleep'},
      '13': {comm: 'kthreadd', cmdline: []},
      '14': {comm: 'calico-felix', cmdline: ['/bin/sh', '/usr/local/bin/calico-felix'], exe: '/bin/dash'},
      '15': {comm: 'felix', cmdline: ['/opt/bin/calico-felix', '-c', '/f.cfg']},
      '16': {comm: 'x', cmdline: ['x'], exe: '/usr/bin/calico-felix (deleted)'},
    })
    assert.deepEqual(
      findFelixProcesses(root).map((p) => p.pid),
      [10, 14, 15, 16],
    )
  })

  test('none is exit 4 with a hint; several is exit 2 listing them; one is its PID', () => {
    assert.throws(() => pickRunningFelix(fakeProc({'20': {comm: 'sleep', cmdline: ['sleep']}})), (e: FelixctlError) => e.exitCode === 4 && /no running calico-felix/.test(e.message) && /--pid/.test(e.hint ?? ''))
    const two = fakeProc({'30': {comm: 'calico-felix', cmdline: ['calico-felix']}, '31': {comm: 'calico-felix', cmdline: ['calico-felix', '-c', '/b.cfg']}})
    assert.throws(() => pickRunningFelix(two), (e: FelixctlError) => e.exitCode === 2 && /30 \(calico-felix\); 31 \(calico-felix -c \/b\.cfg\)/.test(e.message))
    assert.equal(pickRunningFelix(fakeProc({'40': {comm: 'calico-felix', cmdline: ['calico-felix']}})), 40)
  })
})

describe('the running version', () => {
  test('versionFromOutput', () => {
    const rows: [string, string | null][] = [
      ['Version:            2.0.4\nFull git commit ID: abc\n', '2.0.4'],
      ['v2.0.0\n', '2.0.0'],
      ['2.0.2-rc1\n', '2.0.2-rc1'],
      ['sleep (GNU coreutils) 9.1\n', null],
      ['', null],
    ]
    for (const [out, want] of rows) assert.equal(versionFromOutput(out), want, out)
  })

  test('versionNote names the difference where it is known', () => {
    assert.equal(versionNote('2.0.4', '2.0.4'), null)
    const rows: [string | null, RegExp][] = [
      ['2.0.0', /^Felix 2\.0\.0 is running; the rules shown are Felix 2\.0\.4's: ChainInsertMode and LogPrefix are unknown names in 2\.0\.0 \(use --felix-version 2\.0\.0\)$/],
      ['2.0.3', /Felix 2\.0\.3 is running; the rules shown are Felix 2\.0\.4's \(use --felix-version 2\.0\.3\)/],
      ['2.0.9', /is not Felix 2\.0\.x.*2\.0\.0 to 2\.0\.4/],
      ['1.4.2', /Python Felix/],
      ['2.6.1', /later 2\.x releases added parameters/],
      ['3.1.0', /Calico v3 resources/],
      [null, /version is unknown.*Felix 2\.0\.4's/],
    ]
    for (const [v, want] of rows) assert.match(versionNote(v, '2.0.4') ?? '', want, String(v))
  })
})
