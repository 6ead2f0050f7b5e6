/**
 * End-to-end, issue 19: `--pid` and `--running` see exactly what a running Felix sees. A stand-in
 * `calico-felix` (a tiny C program that answers --version) runs in its own mount and UTS
 * namespaces with its own environment, `--config-file /etc/calico/felix.cfg` bind-mounted there,
 * and its own hostname.
 */
import {describe, test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {CLI, REPO_ROOT, runCli} from '../helpers/cli.js'
import {firstSkip, isRoot, needTool, onPath} from '../helpers/tools.js'

const STANDIN_C = `
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
#ifdef HANG
    for (;;) pause();
#endif
#ifdef KILL_FILE
    /* The process being read exits while felixctl reads it. */
    int pid = 0;
    FILE *f = fopen(KILL_FILE, "r");
    if (f && fscanf(f, "%d", &pid) == 1 && pid > 0 && kill(pid, SIGKILL) == 0) {
      /* SIGKILL is delivered asynchronously: answer only once it has exited (a zombie, or reaped). */
      char path[64], stat[512];
      snprintf(path, sizeof path, "/proc/%d/stat", pid);
      for (;;) {
        FILE *s = fopen(path, "r");
        if (!s) break;
        size_t n = fread(stat, 1, sizeof stat - 1, s);
        fclose(s);
        stat[n] = 0;
        char *p = strrchr(stat, ')');
        if (!p || p[2] == 'Z' || p[2] == 'X') break;
        usleep(1000);
      }
    }
#endif
    printf("Version:            %s\\nFull git commit ID: 0123abc\\n", VERSION);
    return 0;
  }
  for (;;) pause();
}
`

const namespacesWork = () => isRoot && spawnSync('unshare', ['-m', '-u', 'true']).status === 0
const skip = firstSkip(
  needTool('unshare', 'util-linux', onPath('unshare')),
  needTool('nsenter', 'util-linux', onPath('nsenter')),
  needTool('cc', 'gcc', onPath('cc')),
  !isRoot && 'needs root: a stand-in in its own mount and UTS namespaces (unshare -m -u), and nsenter --uts to read its hostname',
  isRoot && !namespacesWork() && 'unshare -m -u is not permitted here (a container without CAP_SYS_ADMIN?)',
)

let dir: string
let snapshot: string
const bins: Record<string, string> = {}
const children: ChildProcess[] = []

/** The stand-in's own felix.cfg; the host's /etc/calico/felix.cfg (if any) differs. */
const STANDIN_CFG = '[global]\nLogSeverityScreen = WARNING\nIpInIpMtu = 1400\nNotAParam = 1\n'
const STANDIN_ENV = {FELIX_LOGSEVERITYFILE: 'DEBUG', felix_ReportingIntervalSecs: '45', PATH: '/usr/bin:/bin', HOME: '/nonexistent'}

function compile(name: string, defines: string[]): string {
  const out = join(dir, name, 'calico-felix')
  mkdirSync(join(dir, name))
  const r = spawnSync('cc', ['-o', out, ...defines.map((d) => `-D${d}`), '-x', 'c', '-'], {input: STANDIN_C, encoding: 'utf8'})
  assert.equal(r.status, 0, r.stderr)
  return out
}

/** Start a stand-in; resolves once its executable runs (its comm is calico-felix). */
async function startStandIn(opts: {bin?: string; hostname?: string; cfg?: string; env?: Record<string, string>} = {}): Promise<number> {
  const etc = mkdtempSync(join(dir, 'etc-'))
  mkdirSync(join(etc, 'calico'))
  writeFileSync(join(etc, 'calico', 'felix.cfg'), opts.cfg ?? STANDIN_CFG)
  const env = Object.entries(opts.env ?? STANDIN_ENV).map(([k, v]) => `${k}=${v}`)
  // unshare without --fork execs in place: the PID spawned is the stand-in's.
  const script = 'hostname "$1" && mount --bind "$2" /etc && shift 2 && exec env -i "$@"'
  const child = spawn('unshare', ['-m', '-u', '--', 'sh', '-c', script, 'sh', opts.hostname ?? 'standin-a', etc, ...env, opts.bin ?? bins.v204, '--config-file', '/etc/calico/felix.cfg'], {stdio: 'ignore'})
  children.push(child)
  const pid = child.pid!
  for (let i = 0; i < 500; i++) {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'calico-felix') return pid
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error('the stand-in did not start')
}

function stop(pid: number) {
  const c = children.find((x) => x.pid === pid)
  c?.kill('SIGKILL')
}

async function stopped(pid: number) {
  const c = children.find((x) => x.pid === pid)
  if (!c || c.exitCode !== null || c.signalCode !== null) return
  await new Promise((r) => c.once('exit', r))
}

type Layer = {layer: string; key: string; raw: string; origin: {path?: string; name?: string; line?: number; pid?: number}}
/** The env and file entries of a `config list -o json` document, as comparable strings. */
function localLayers(doc: {params: {layers: Layer[]}[]; unknown: {name: string; raw: string; source: string; origin: Layer['origin']}[]}): string[] {
  const out = doc.params.flatMap((p) => p.layers).filter((l) => l.layer === 'env' || l.layer === 'file').map((l) => `${l.layer} ${l.key}=${l.raw} ${l.origin.name ?? ''}${l.origin.path}${l.origin.line ? ':' + l.origin.line : ''}${l.origin.pid ? ' pid' : ''}`)
  out.push(...doc.unknown.filter((u) => u.source === 'env' || u.source === 'file').map((u) => `${u.source} ${u.name}=${u.raw} ${u.origin.name ?? ''}${u.origin.path}${u.origin.line ? ':' + u.origin.line : ''}${u.origin.pid ? ' pid' : ''}`))
  return out.sort()
}

const expectedLayers = (pid: number) =>
  [
    `env logseverityfile=DEBUG FELIX_LOGSEVERITYFILE/proc/${pid}/environ`,
    `env reportingintervalsecs=45 felix_ReportingIntervalSecs/proc/${pid}/environ`,
    'file LogSeverityScreen=WARNING /etc/calico/felix.cfg:2 pid',
    'file IpInIpMtu=1400 /etc/calico/felix.cfg:3 pid',
    'file NotAParam=1 /etc/calico/felix.cfg:4 pid',
  ].sort()

describe('--pid and --running: a stand-in Felix in its own mount and UTS namespaces', {skip}, () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'felixctl-proc-e2e-'))
    chmodSync(dir, 0o755)
    bins.v204 = compile('v204', ['VERSION="2.0.4"'])
    bins.v200 = compile('v200', ['VERSION="2.0.0"'])
    bins.hang = compile('hang', ['VERSION="2.0.4"', 'HANG'])
    bins.killer = compile('killer', ['VERSION="2.0.4"', `KILL_FILE="${join(dir, 'kill.pid')}"`])
    snapshot = join(dir, 'snap.json')
    // A per-host key for the stand-in's hostname: it is only read when that hostname is used.
    writeFileSync(snapshot, JSON.stringify({'/calico/v1/Ready': 'true', '/calico/v1/host/standin-a/config/ReportingTTLSecs': '120', '/calico/v1/config/IpInIpMtu': '1300'}))
  })
  after(() => {
    for (const c of children) c.kill('SIGKILL')
    rmSync(dir, {recursive: true, force: true})
  })

  test('config list --pid reports exactly the stand-in\'s env, file and hostname', async () => {
    const host = existsSync('/etc/calico/felix.cfg') ? readFileSync('/etc/calico/felix.cfg', 'utf8') : null
    assert.notEqual(host, STANDIN_CFG, "the host's /etc/calico/felix.cfg must differ from the stand-in's")
    const pid = await startStandIn()
    try {
      // felixctl's own FELIX_ variable must not leak in.
      const r = await runCli(['config', 'list', '--pid', String(pid), '--snapshot', snapshot, '-o', 'json'], {cleanEnv: true, env: {FELIX_LOGSEVERITYSYS: 'ERROR'}})
      assert.equal(r.code, 0, r.stderr)
      const doc = JSON.parse(r.stdout)
      assert.deepEqual(localLayers(doc), expectedLayers(pid))
      assert.equal(doc.host, 'standin-a')
      const byName = Object.fromEntries(doc.params.map((p: {name: string}) => [p.name, p]))
      assert.deepEqual([byName.FelixHostname.value, byName.ReportingTTLSecs.value, byName.ReportingTTLSecs.source], ['standin-a', 120, 'host'])
      assert.deepEqual(doc.process, {
        pid,
        foundBy: 'pid',
        exe: bins.v204,
        comm: 'calico-felix',
        cmdline: [bins.v204, '--config-file', '/etc/calico/felix.cfg'],
        configFile: {path: '/etc/calico/felix.cfg', readPath: `/proc/${pid}/root/etc/calico/felix.cfg`, fromCommandLine: true, exists: true},
        hostname: 'standin-a',
        hostnameFrom: 'nsenter',
        version: '2.0.4',
        versionNote: null,
      })

      const text = await runCli(['config', 'list', '--pid', String(pid), '--snapshot', snapshot], {cleanEnv: true})
      assert.equal(text.code, 0, text.stderr)
      assert.match(text.stdout, new RegExp(`^Felix process: PID ${pid}, ${bins.v204}, version 2\\.0\\.4\\n`))
      assert.match(text.stdout, new RegExp(`config file: {2}/etc/calico/felix\\.cfg in PID ${pid}'s mount namespace \\(read through /proc/${pid}/root/etc/calico/felix\\.cfg\\)`))
      assert.match(text.stdout, new RegExp(`hostname: {5}standin-a \\(PID ${pid}'s UTS namespace\\)`))
      assert.match(text.stdout, new RegExp(`IpInIpMtu +1400 +file +/etc/calico/felix\\.cfg:3 \\[global\\] \\(in PID ${pid}'s mount namespace\\)`))

      const get = await runCli(['config', 'get', 'IpInIpMtu', '--pid', String(pid), '--snapshot', snapshot, '-o', 'json'], {cleanEnv: true})
      assert.equal(get.code, 0, get.stderr)
      const g = JSON.parse(get.stdout)
      assert.deepEqual([g.value, g.origin, g.process.version], [1400, {type: 'file', path: '/etc/calico/felix.cfg', section: 'global', line: 3, pid}, '2.0.4'])
    } finally {
      stop(pid)
    }
  })

  test('--running finds the one calico-felix and reports the same; doctor --running too', async () => {
    const pid = await startStandIn()
    try {
      const r = await runCli(['config', 'list', '--running', '--snapshot', snapshot, '-o', 'json'], {cleanEnv: true})
      assert.equal(r.code, 0, r.stderr)
      const doc = JSON.parse(r.stdout)
      assert.deepEqual(localLayers(doc), expectedLayers(pid))
      assert.deepEqual([doc.host, doc.process.pid, doc.process.foundBy], ['standin-a', pid, 'running'])

      const d = await runCli(['doctor', '--running', '--snapshot', snapshot, '--root', join(REPO_ROOT, 'test/fixtures/sysctl/debian-fresh'), '-o', 'json'], {cleanEnv: true})
      assert.ok(d.code === 0 || d.code === 3, d.stderr)
      const dd = JSON.parse(d.stdout)
      assert.deepEqual([dd.host, dd.process.pid, dd.process.hostname, dd.datastore.exitCode], ['standin-a', pid, 'standin-a', 0])
      // The config part read the stand-in's file: its unknown key is reported.
      assert.ok(dd.findings.some((f: {message: string}) => /NotAParam/.test(f.message)), d.stdout)
    } finally {
      stop(pid)
    }
  })

  test('--running: none is exit 4 with a hint; two are exit 2 listing both', async () => {
    const none = await runCli(['config', 'list', '--running', '--snapshot', snapshot], {cleanEnv: true})
    assert.equal(none.code, 4, none.stderr)
    assert.match(none.stderr, /no running calico-felix process found/)
    assert.match(none.stderr, /--pid PID/)
    const a = await startStandIn()
    const b = await startStandIn({hostname: 'standin-b'})
    try {
      const two = await runCli(['config', 'list', '--running', '--snapshot', snapshot], {cleanEnv: true})
      assert.equal(two.code, 2, two.stderr)
      assert.match(two.stderr, new RegExp(`found 2 calico-felix processes: ${Math.min(a, b)} \\(.*\\); ${Math.max(a, b)} \\(`))
      assert.match(two.stderr, /--pid PID/)
    } finally {
      stop(a)
      stop(b)
    }
  })

  test('-c, --env-file or --running next to --pid is exit 2; a file-layer write is refused', async () => {
    const pid = await startStandIn()
    try {
      const cases = [
        ['config', 'list', '--pid', String(pid), '-c', '/etc/calico/felix.cfg'],
        ['config', 'list', '--running', '-c', '/etc/calico/felix.cfg'],
        ['config', 'list', '--pid', String(pid), '--env-file', '/dev/null'],
        ['config', 'list', '--running', '--env-file', '/dev/null'],
        ['config', 'list', '--pid', String(pid), '--running'],
        ['config', 'set', 'LogSeverityScreen', 'DEBUG', '--layer', 'file', '--pid', String(pid), '-y'],
      ]
      for (const args of cases) {
        const r = await runCli([...args, '--snapshot', snapshot], {cleanEnv: true})
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
        assert.doesNotMatch(r.stderr, / {4}at /)
      }
      const viaEnv = await runCli(['config', 'list', '--pid', String(pid), '--snapshot', snapshot], {cleanEnv: true, env: {FELIXCTL_CONFIG_FILE: '/x.cfg'}})
      assert.equal(viaEnv.code, 2, viaEnv.stderr)
      assert.match(viaEnv.stderr, /-c\/--config-file and --pid/)
    } finally {
      stop(pid)
    }
  })

  test('without permission: exit 6 naming the path', async () => {
    const pid = await startStandIn()
    try {
      const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'config', 'list', '--pid', String(pid)], {cwd: REPO_ROOT, encoding: 'utf8', env: {PATH: process.env.PATH, NO_COLOR: '1'}})
      assert.equal(r.status, 6, r.stderr)
      assert.match(r.stderr, new RegExp(`/proc/${pid}/environ: permission denied`))
      assert.doesNotMatch(r.stderr, / {4}at /)
    } finally {
      stop(pid)
    }
  })

  test('a process that exits while it is read is exit 4 "no such process"', async () => {
    const pid = await startStandIn({bin: bins.killer})
    writeFileSync(join(dir, 'kill.pid'), String(pid))
    try {
      // Its `--version` answer kills it: everything before was read from a live process.
      const r = await runCli(['config', 'list', '--pid', String(pid), '--snapshot', snapshot], {cleanEnv: true})
      await stopped(pid)
      assert.equal(r.code, 4, r.stderr)
      assert.match(r.stderr, new RegExp(`no such process: PID ${pid} exited while felixctl read it`))
      assert.doesNotMatch(r.stderr, / {4}at /)
      const after = await runCli(['config', 'list', '--pid', String(pid), '--snapshot', snapshot], {cleanEnv: true})
      assert.equal(after.code, 4, after.stderr)
      assert.match(after.stderr, new RegExp(`no such process: PID ${pid}\\n`))
    } finally {
      stop(pid)
    }
  })

  test('the running version: 2.0.0 names the difference; a binary that does not answer is bounded', async () => {
    const old = await startStandIn({bin: bins.v200})
    try {
      const r = await runCli(['config', 'list', '--pid', String(old), '--snapshot', snapshot], {cleanEnv: true})
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /version 2\.0\.0\n/)
      assert.match(r.stdout, /note: Felix 2\.0\.0 is running; the rules shown are Felix 2\.0\.4's: ChainInsertMode and LogPrefix are unknown names in 2\.0\.0 \(use --felix-version 2\.0\.0\)/)
      const same = await runCli(['config', 'get', 'LogPrefix', '--pid', String(old), '--snapshot', snapshot, '--felix-version', '2.0.0', '-o', 'json'], {cleanEnv: true})
      assert.equal(same.code, 4, same.stderr) // not a 2.0.0 parameter; and no note was needed
    } finally {
      stop(old)
    }
    const hang = await startStandIn({bin: bins.hang})
    try {
      const r = await runCli(['config', 'get', 'IpInIpMtu', '--pid', String(hang), '--snapshot', snapshot, '-o', 'json'], {cleanEnv: true})
      assert.equal(r.code, 0, r.stderr)
      const doc = JSON.parse(r.stdout)
      assert.equal(doc.process.version, null)
      assert.match(doc.process.versionNote, /did not answer --version within 5s/)
    } finally {
      stop(hang)
    }
  })
})

describe('--pid of a process that has exited (a zombie)', () => {
  test('is exit 4 "no such process", not a crash', async () => {
    // `sleep 1` exits and stays a zombie: its parent (by then `sleep 30`) never reaps it. (With
    // `sleep 0` the child could exit before the exec, and the shell reaped it: no zombie left.)
    const parent = spawn('sh', ['-c', 'sleep 1 & echo $!; exec sleep 30'], {stdio: ['ignore', 'pipe', 'ignore']})
    try {
      const zombie = await new Promise<number>((resolve) => parent.stdout!.once('data', (d) => resolve(Number(String(d).trim()))))
      for (let i = 0; i < 500 && !/\) Z /.test(readFileSync(`/proc/${zombie}/stat`, 'latin1')); i++) await new Promise((r) => setTimeout(r, 20))
      const r = await runCli(['config', 'list', '--pid', String(zombie)], {cleanEnv: true})
      assert.equal(r.code, 4, r.stderr)
      assert.match(r.stderr, new RegExp(`no such process: PID ${zombie}`))
      assert.doesNotMatch(r.stderr, / {4}at /)
    } finally {
      parent.kill('SIGKILL')
    }
  })
})
