#!/usr/bin/env node
// npm run bench: felixctl against the reference tools on the same data, measured in the same run.
// Not a test: it prints figures, ratios (felixctl / reference) and MET/MISSED for the
// issue-14 targets, and exits 0 either way; docs/performance.md records them with the
// machine and its load.
//
//   1. start-up: felixctl --version <= 1.5× node -e 0; config get / explain from a snapshot <= 2×
//   2. single get against etcd with BENCH_HOSTS hosts (default 10,000), v2 and v3: <= 2.5× node -e 0
//   3. fleet views (config list --all-hosts -o json, config get NAME --all-hosts -o json,
//      config diff -o json) <= 2× etcdctl get --prefix /calico/v1/ -w json (v3) and the curl
//      v2 recursive GET (v2), on the healthy fleet and on the broken one (bench/fleet-data.mjs),
//      each in a throwaway etcd of its own (the test harness's, data dir on /dev/shm)
//      Issue 17: the impact of a config set on the etcd layers (two fleet evaluations for a
//      global key, one host for a per-host key) is held to the same target, as `--dry-run -o json`
//   4. scale: BENCH_HOSTS -> 4 × BENCH_HOSTS costs at most 4.4× the time; peak RSS < 200 MiB
//      at BENCH_HOSTS and growing no faster than the data
//
// Env: BENCH_RUNS (median of, default 5), BENCH_HOSTS (default 10000), BENCH_SKIP_FLEET=1.
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, totalmem, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {brokenFleetKvs, fleetKvs} from './fleet-data.mjs'
import {seedV2, seedV3} from './seed.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = join(root, 'bin/run.js')
const runs = Number(process.env.BENCH_RUNS ?? 5)
const hosts = Number(process.env.BENCH_HOSTS ?? 10000)
const scratch = mkdtempSync(join(tmpdir(), 'felixctl-bench-'))
// An explicitly named config file must exist (exit 6 otherwise): an empty one is no configuration.
const noCfg = join(scratch, 'empty-felix.cfg')
writeFileSync(noCfg, '')
const haveTime = existsSync('/usr/bin/time')

// A fresh clone has no build: make one (npm ci must have run).
if (!existsSync(join(root, 'dist/felixctl.cjs')) || !existsSync(join(root, 'oclif.manifest.json'))) {
  console.error('bench: no build found, running npm run build')
  const b = spawnSync('npm', ['run', 'build'], {cwd: root, stdio: 'inherit'})
  if (b.status !== 0) process.exit(b.status ?? 1)
}

const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^felix(ctl)?_/i.test(k)))

/** Run once; wall time from spawn to exit, and peak RSS (GNU time's %M, or VmHWM polled from /proc). */
function once(cmd, args, okCodes = [0]) {
  return new Promise((resolve, reject) => {
    const memFile = join(scratch, `mem-${Math.random().toString(36).slice(2)}`)
    const [file, argv] = haveTime ? ['/usr/bin/time', ['-f', '%M', '-o', memFile, cmd, ...args]] : [cmd, args]
    const t0 = process.hrtime.bigint()
    const child = spawn(file, argv, {cwd: root, env: {...cleanEnv, NO_COLOR: '1'}, stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    let hwm = 0
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)))
    const poll = haveTime
      ? null
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
            if (m) hwm = Math.max(hwm, Number(m[1]))
          } catch {}
        }, 5)
    child.on('error', reject)
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6
      if (poll) clearInterval(poll)
      if (!okCodes.includes(code)) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}`))
      let kib = hwm
      if (haveTime) {
        kib = Number(readFileSync(memFile, 'utf8').trim().split('\n').pop())
        rmSync(memFile, {force: true})
      }
      resolve({ms, mib: kib / 1024})
    })
  })
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/**
 * Measure cases interleaved (a, b, a, b, ...) after one warm-up each, so that load from
 * anything else on the machine hits both sides alike. Median time, peak memory.
 */
async function measure(cases, n = runs) {
  for (const c of cases) await once(c.cmd, c.args, c.ok)
  const samples = cases.map(() => ({ms: [], mib: []}))
  for (let i = 0; i < n; i++) {
    for (const [j, c] of cases.entries()) {
      const r = await once(c.cmd, c.args, c.ok)
      samples[j].ms.push(r.ms)
      samples[j].mib.push(r.mib)
    }
  }
  return samples.map((s) => ({ms: median(s.ms), mib: Math.max(...s.mib)}))
}

const verdicts = []
/** One target line: its figure, its limit, MET or MISSED; kept for the summary at the end. */
function verdict(target, text, value, limit, unit = '×') {
  const met = value <= limit
  verdicts.push({target, text, value, limit, unit, met})
  console.log(`  target ${target}: ${text}: ${value.toFixed(2)}${unit} (limit ${limit}${unit}) -> ${met ? 'MET' : 'MISSED'}`)
}

/** felixctl against a reference; with a target, the ratio is checked against `limit`. */
function report(name, felix, ref, refName, target, limit) {
  const ratio = felix.ms / ref.ms
  console.log(`${name}`)
  console.log(`  felixctl ${felix.ms.toFixed(0).padStart(6)} ms ${felix.mib.toFixed(0).padStart(4)} MiB | ${refName} ${ref.ms.toFixed(0).padStart(6)} ms ${ref.mib.toFixed(0).padStart(4)} MiB | ratio ${ratio.toFixed(2)}×  (+${(felix.ms - ref.ms).toFixed(0)} ms)`)
  if (target) verdict(target, `${name.split(' vs ')[0]} / ${refName}`, ratio, limit)
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
function summary() {
  console.log(`\nload average at the end ${loadavg()}`)
  console.log(`summary: ${verdicts.filter((v) => v.met).length} of ${verdicts.length} target lines MET`)
  for (const v of verdicts) console.log(`  ${v.met ? 'MET   ' : 'MISSED'} ${v.target}: ${v.text}: ${v.value.toFixed(2)}${v.unit} (limit ${v.limit}${v.unit})`)
}

const node = process.execPath
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; load average at start ${loadavg()}`)
console.log(`median of ${runs} interleaved runs after a warm-up; peak RSS by ${haveTime ? 'GNU time (%M)' : 'VmHWM polling'}\n`)

// ---------------------------------------------------------------- 1. start-up
{
  const [felix, ref] = await measure([{cmd: node, args: [cli, '--version']}, {cmd: node, args: ['-e', '0']}], Math.max(runs, 15))
  report('cold start: felixctl --version vs node -e 0', felix, ref, 'node -e 0', 1, 1.5)
  const snapArgs = ['-c', 'examples/felix.cfg', '--snapshot', 'examples/snapshot.json']
  const [get, explain, ref2] = await measure(
    [
      {cmd: node, args: [cli, 'config', 'get', 'LogSeverityFile', '--host', 'node1', ...snapArgs]},
      {cmd: node, args: [cli, 'config', 'explain', 'LogSeverityFile']},
      {cmd: node, args: ['-e', '0']},
    ],
    Math.max(runs, 15),
  )
  report('config get LogSeverityFile (examples snapshot) vs node -e 0', get, ref2, 'node -e 0', 1, 2)
  report('config explain LogSeverityFile vs node -e 0', explain, ref2, 'node -e 0', 1, 2)
}

if (process.env.BENCH_SKIP_FLEET) {
  summary()
  process.exit(0)
}

// ---------------------------------------------------------------- the fleets
const {register} = await import('tsx/esm/api')
register()
const {startEtcd} = await import('../test/helpers/etcd.ts')
const healthy = await startEtcd({tmpfs: true})
const broken = await startEtcd({tmpfs: true})
const stop = async () => {
  await Promise.all([healthy.stop(), broken.stop()])
  rmSync(scratch, {recursive: true, force: true})
}
process.on('SIGINT', () => stop().then(() => process.exit(130)))

const seed = async (url, kvs, what) => {
  const t0 = Date.now()
  await seedV3(url, kvs)
  const t1 = Date.now()
  await seedV2(url, kvs)
  console.log(`seeded ${what} (${kvs.length} keys): v3 ${((t1 - t0) / 1000).toFixed(1)} s, v2 ${((Date.now() - t1) / 1000).toFixed(1)} s; load average ${loadavg()}`)
}
// Exit 3: Felix would not start on some host (the broken fleet); the output is still complete.
const felix = (url, type, ...args) => ({cmd: node, args: [cli, ...args, '--datastore-type', type, '--etcd-endpoints', url, '-c', noCfg, '--etcd-timeout', '60s'], ok: [0, 3]})
const etcdctl = (url, ...args) => ({cmd: 'etcdctl', args: [`--endpoints=${url}`, '--command-timeout=60s', ...args]})
const curlAll = (url) => ({cmd: 'curl', args: ['-sf', `${url}/v2/keys/calico/v1?recursive=true&quorum=true`, '-o', '/dev/null']})
const VIEWS = [
  ['config list --all-hosts -o json', ['config', 'list', '--all-hosts', '-o', 'json']],
  ['config get IpInIpMtu --all-hosts -o json', ['config', 'get', 'IpInIpMtu', '--all-hosts', '-o', 'json']],
  ['config diff --host node1 --host node2 -o json', ['config', 'diff', '--host', 'node1', '--host', 'node2', '-o', 'json']],
  // Issue 17: the impact of a change on every host (nothing written): a global key is two fleet evaluations.
  ['impact: config set LogSeverityScreen DEBUG --layer global --dry-run -o json', ['config', 'set', 'LogSeverityScreen', 'DEBUG', '--layer', 'global', '--dry-run', '-o', 'json']],
  ['impact: config set IpInIpMtu 1500 --layer host --host node1 --no-local --dry-run -o json', ['config', 'set', 'IpInIpMtu', '1500', '--layer', 'host', '--host', 'node1', '--no-local', '--dry-run', '-o', 'json']],
]

/** Target 3 for one fleet: every view, v3 against etcdctl and v2 against curl, interleaved with their reference. */
async function fleetViews(url, label, n) {
  const out = {}
  for (const [type, ref, refName] of [['etcdv3', etcdctl(url, 'get', '--prefix', '/calico/v1/', '-w', 'json'), 'etcdctl'], ['etcdv2', curlAll(url), 'curl']]) {
    const ms = await measure([...VIEWS.map(([, args]) => felix(url, type, ...args)), ref])
    const r = ms.pop()
    VIEWS.forEach(([name], i) => report(`${label} ${type} at ${n} hosts, ${name} vs ${refName}`, ms[i], r, refName, 3, 2))
    const impactAt = VIEWS.findIndex(([name]) => name.startsWith('impact: ') && name.includes('--layer global'))
    console.log(`  ${label} ${type}: impact of a global key / config list --all-hosts -o json (one fleet evaluation): ${(ms[impactAt].ms / ms[0].ms).toFixed(2)}×`)
    out[type] = {list: ms[0], ref: r}
  }
  return out
}

try {
  await seed(healthy.clientUrl, fleetKvs(0, hosts, true), `the healthy fleet, ${hosts} hosts`)
  await seed(broken.clientUrl, brokenFleetKvs(0, hosts), `the broken fleet, ${hosts} hosts`)
  console.log()

  // ---------------------------------------------------------------- 2. single get
  const url = healthy.clientUrl
  const [g2, g3, nodeRef] = await measure([felix(url, 'etcdv2', 'config', 'get', 'LogSeverityFile', '--host', 'node1'), felix(url, 'etcdv3', 'config', 'get', 'LogSeverityFile', '--host', 'node1'), {cmd: node, args: ['-e', '0']}])
  report(`single get at ${hosts} hosts, v2: config get LogSeverityFile --host node1 vs node -e 0`, g2, nodeRef, 'node -e 0', 2, 2.5)
  report(`single get at ${hosts} hosts, v3: config get LogSeverityFile --host node1 vs node -e 0`, g3, nodeRef, 'node -e 0', 2, 2.5)
  console.log()

  // ---------------------------------------------------------------- 3. fleet views, healthy and broken
  const at1 = await fleetViews(url, 'healthy', hosts)
  await fleetViews(broken.clientUrl, 'broken', hosts)
  console.log()

  // ---------------------------------------------------------------- 4. scale and memory
  await seed(url, fleetKvs(hosts, 4 * hosts, false), `hosts ${hosts}..${4 * hosts - 1} into the healthy fleet`)
  const [l3, l2] = await measure([felix(url, 'etcdv3', ...VIEWS[0][1]), felix(url, 'etcdv2', ...VIEWS[0][1])])
  for (const [type, a, b] of [['etcdv3', at1.etcdv3.list, l3], ['etcdv2', at1.etcdv2.list, l2]]) {
    console.log(`scaling ${type}, config list --all-hosts -o json: ${hosts} -> ${4 * hosts} hosts: ${a.ms.toFixed(0)} -> ${b.ms.toFixed(0)} ms, ${a.mib.toFixed(0)} -> ${b.mib.toFixed(0)} MiB`)
    verdict(4, `${type} time ${hosts} -> ${4 * hosts} hosts`, b.ms / a.ms, 4.4)
    verdict(4, `${type} peak RSS at ${hosts} hosts`, a.mib, 200, ' MiB')
    // "No faster than the data": the growth in RSS over the growth in hosts (4×).
    verdict(4, `${type} peak RSS growth ${hosts} -> ${4 * hosts} hosts (data grows 4×)`, b.mib / a.mib, 4)
  }
} finally {
  await stop()
}
summary()
