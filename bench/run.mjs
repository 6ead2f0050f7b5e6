#!/usr/bin/env node
// npm run bench: start-up timings of the built CLI against `node -e 0`, measured in the same run.
// Not a test: it prints figures and ratios; docs/performance.md records them with the machine.
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {cpus} from 'node:os'

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const runs = Number(process.env.BENCH_RUNS ?? 15)

function time(args, env = {}) {
  const samples = []
  for (let i = 0; i < runs + 2; i++) {
    const t0 = process.hrtime.bigint()
    const r = spawnSync(process.execPath, args, {cwd: root, env: {...process.env, NO_COLOR: '1', ...env}, stdio: ['ignore', 'ignore', 'pipe']})
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    if (r.status !== 0 && r.status !== 3) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`)
    if (i >= 2) samples.push(ms) // two warm-up runs fill the page cache
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)]
}

const cases = [
  ['node -e 0', ['-e', '0']],
  ['felixctl --version', [cli, '--version']],
  ['felixctl config explain LogSeverityFile', [cli, 'config', 'explain', 'LogSeverityFile']],
  ['felixctl config get LogSeverityFile (snapshot)', [cli, 'config', 'get', 'LogSeverityFile', '--host', 'node1', '-c', 'examples/felix.cfg', '--snapshot', 'examples/snapshot.json']],
  ['felixctl config list -o json (snapshot)', [cli, 'config', 'list', '-o', 'json', '-c', 'examples/felix.cfg', '--snapshot', 'examples/snapshot.json']],
]
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; median of ${runs} runs`)
const base = time(cases[0][1])
console.log(`${'node -e 0'.padEnd(50)} ${base.toFixed(1).padStart(8)} ms`)
for (const [name, args] of cases.slice(1)) {
  const ms = time(args)
  console.log(`${name.padEnd(50)} ${ms.toFixed(1).padStart(8)} ms   +${(ms - base).toFixed(1)} ms over node (${(ms / base).toFixed(2)}×)`)
}
