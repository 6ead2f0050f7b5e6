#!/usr/bin/env node
// npm run bench: felixctl against the reference tools on the same data, measured in the same run.
// Not a test: it prints figures, ratios (felixctl / reference) and the issue-8 targets;
// docs/performance.md records them with the machine they were taken on.
//
//   1. start-up: felixctl --version vs node -e 0 (and the lead's original start-up cases)
//   2. a throwaway etcd (the test harness's, data dir on /dev/shm) seeded with a fleet of
//      BENCH_HOSTS hosts (default 10,000) × 5 per-host keys + 40 global keys, v3 and v2
//   3. fleet list: felixctl config list --all-hosts -o json vs etcdctl get --prefix (v3)
//      and vs curl of the v2 recursive GET; single get vs etcdctl get of one key
//   4. the fleet doubled (2 × BENCH_HOSTS): the fleet list again
//
// Env: BENCH_RUNS (median of, default 5), BENCH_HOSTS (default 10000), BENCH_SKIP_FLEET=1.
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {cpus, totalmem, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {fleetKvs} from './fleet-data.mjs'
import {seedV2, seedV3} from './seed.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = join(root, 'bin/run.js')
const runs = Number(process.env.BENCH_RUNS ?? 5)
const hosts = Number(process.env.BENCH_HOSTS ?? 10000)
const scratch = mkdtempSync(join(tmpdir(), 'felixctl-bench-'))
const noCfg = join(scratch, 'absent-felix.cfg')
const haveTime = existsSync('/usr/bin/time')

// A fresh clone has no build: make one (npm ci must have run).
if (!existsSync(join(root, 'dist/commands')) || !existsSync(join(root, 'oclif.manifest.json'))) {
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

const rows = []
function report(name, felix, ref, refName, target) {
  const ratio = felix.ms / ref.ms
  rows.push({name, felix, ref, refName, ratio, target})
  const t = target ? `  target: ${target.text} -> ${target.ok(felix, ref) ? 'MET' : 'MISSED'}` : ''
  console.log(`${name}`)
  console.log(`  felixctl ${felix.ms.toFixed(0).padStart(6)} ms ${felix.mib.toFixed(0).padStart(4)} MiB | ${refName} ${ref.ms.toFixed(0).padStart(6)} ms ${ref.mib.toFixed(0).padStart(4)} MiB | ratio ${ratio.toFixed(2)}×  (+${(felix.ms - ref.ms).toFixed(0)} ms)${t}`)
}

const node = process.execPath
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; load average at start ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
console.log(`median of ${runs} interleaved runs after a warm-up; peak RSS by ${haveTime ? 'GNU time (%M)' : 'VmHWM polling'}\n`)

// ---------------------------------------------------------------- start-up
{
  const [felix, ref] = await measure([{cmd: node, args: [cli, '--version']}, {cmd: node, args: ['-e', '0']}], Math.max(runs, 15))
  report('cold start: felixctl --version vs node -e 0', felix, ref, 'node -e 0')
  const snapArgs = ['-c', 'examples/felix.cfg', '--snapshot', 'examples/snapshot.json']
  const [get, explain] = await measure(
    [
      {cmd: node, args: [cli, 'config', 'get', 'LogSeverityFile', '--host', 'node1', ...snapArgs]},
      {cmd: node, args: [cli, 'config', 'explain', 'LogSeverityFile']},
    ],
    Math.max(runs, 15),
  )
  report('config get LogSeverityFile (examples snapshot) vs node -e 0', get, ref, 'node -e 0', {text: 'within 150 ms of node -e 0', ok: (f, r) => f.ms - r.ms <= 150})
  report('config explain LogSeverityFile vs node -e 0', explain, ref, 'node -e 0')
}

if (process.env.BENCH_SKIP_FLEET) process.exit(0)

// ---------------------------------------------------------------- the fleet
const {register} = await import('tsx/esm/api')
register()
const {startEtcd} = await import('../test/helpers/etcd.ts')
const etcd = await startEtcd({tmpfs: true})
const stop = async () => {
  await etcd.stop()
  rmSync(scratch, {recursive: true, force: true})
}
process.on('SIGINT', () => stop().then(() => process.exit(130)))

try {
  const url = etcd.clientUrl
  const seed = async (from, to, withGlobal) => {
    const kvs = fleetKvs(from, to, withGlobal)
    const t0 = Date.now()
    await seedV3(url, kvs)
    const t1 = Date.now()
    await seedV2(url, kvs)
    console.log(`seeded hosts ${from}..${to - 1} (${kvs.length} keys): v3 ${((t1 - t0) / 1000).toFixed(1)} s, v2 ${((Date.now() - t1) / 1000).toFixed(1)} s`)
  }
  const felix = (type, ...args) => ({cmd: node, args: [cli, ...args, '--datastore-type', type, '--etcd-endpoints', url, '-c', noCfg, '--etcd-timeout', '60s']})
  const etcdctl = (...args) => ({cmd: 'etcdctl', args: [`--endpoints=${url}`, '--command-timeout=60s', ...args]})
  const curlAll = {cmd: 'curl', args: ['-sf', `${url}/v2/keys/calico/v1?recursive=true&quorum=true`, '-o', '/dev/null']}

  await seed(0, hosts, true)
  console.log()
  const listTarget = {text: 'within 2× of the reference', ok: (f, r) => f.ms <= 2 * r.ms}
  const memTarget = (f) => f.mib < 200
  const fleet = async (n) => {
    const [l3, ctl, l2, curl] = await measure([felix('etcdv3', 'config', 'list', '--all-hosts', '-o', 'json'), etcdctl('get', '--prefix', '/calico/v1/', '-w', 'json'), felix('etcdv2', 'config', 'list', '--all-hosts', '-o', 'json'), curlAll])
    report(`fleet list at ${n} hosts, v3: config list --all-hosts -o json vs etcdctl get --prefix /calico/v1/ -w json`, l3, ctl, 'etcdctl', listTarget)
    report(`fleet list at ${n} hosts, v2: config list --all-hosts -o json vs curl v2 recursive GET`, l2, curl, 'curl', listTarget)
    for (const [name, r] of [['v3', l3], ['v2', l2]]) {
      // The memory target is set at the base fleet size (10,000 hosts by default).
      const t = n === hosts ? ` (target < 200 MiB at ${hosts} hosts: ${memTarget(r) ? 'MET' : 'MISSED'})` : ''
      console.log(`  peak memory of the ${name} fleet list at ${n} hosts: ${r.mib.toFixed(0)} MiB${t}`)
    }
    return {l3, l2, ctl, curl}
  }
  const at1 = await fleet(hosts)
  const [g2, g3, one, nodeRef] = await measure([
    felix('etcdv2', 'config', 'get', 'LogSeverityFile', '--host', 'node1'),
    felix('etcdv3', 'config', 'get', 'LogSeverityFile', '--host', 'node1'),
    etcdctl('get', '/calico/v1/host/node1/config/LogSeverityFile'),
    {cmd: node, args: ['-e', '0']},
  ])
  const single = {text: 'within 150 ms of node -e 0', ok: (f) => f.ms - nodeRef.ms <= 150}
  report(`single get at ${hosts} hosts, v2: config get LogSeverityFile --host node1 vs etcdctl get <key>`, g2, one, 'etcdctl', single)
  report(`single get at ${hosts} hosts, v3: config get LogSeverityFile --host node1 vs etcdctl get <key>`, g3, one, 'etcdctl', single)
  console.log(`  (node -e 0 in the same runs: ${nodeRef.ms.toFixed(0)} ms; v2 get +${(g2.ms - nodeRef.ms).toFixed(0)} ms, v3 get +${(g3.ms - nodeRef.ms).toFixed(0)} ms)`)

  console.log()
  await seed(hosts, 2 * hosts, false)
  console.log()
  const at2 = await fleet(2 * hosts)
  for (const [name, a, b] of [['v3', at1.l3, at2.l3], ['v2', at1.l2, at2.l2]]) {
    const k = b.ms / a.ms
    console.log(`scaling ${name}: ${hosts} -> ${2 * hosts} hosts: ${a.ms.toFixed(0)} -> ${b.ms.toFixed(0)} ms = ${k.toFixed(2)}× (target ≤ 2×: ${k <= 2 ? 'MET' : 'MISSED'})`)
  }
} finally {
  await stop()
}
