/** `config set` with no VALUE on a TTY prompts (choices for oneof, validation as you type); run under script(1) for a real pty. */
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {CLI, REPO_ROOT} from '../helpers/cli.js'
import {needTool} from '../helpers/tools.js'

const haveScript = spawnSync('script', ['--version'], {stdio: 'ignore'}).status === 0

/** Run the CLI on a pty, typing each input after a pause; returns the screen text and the exit code. */
function onPty(args: string[], inputs: string[]): Promise<{code: number | null; screen: string}> {
  const cmd = ['node', '--', CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')
  const child = spawn('script', ['-qec', cmd, '/dev/null'], {cwd: REPO_ROOT, env: {...process.env, NO_COLOR: '1'}, stdio: ['pipe', 'pipe', 'pipe']})
  let screen = ''
  child.stdout.setEncoding('utf8').on('data', (d) => (screen += d))
  child.stderr.setEncoding('utf8').on('data', (d) => (screen += d))
  // Type only once the prompt is on the screen (a loaded machine can take seconds to get there),
  // then leave each key time to be handled.
  const pending = [...inputs]
  const typer = setInterval(() => {
    if (!screen.includes('Value for')) return
    const next = pending.shift()
    if (next === undefined) {
      clearInterval(typer)
      setTimeout(() => child.stdin.end(), 1000)
    } else child.stdin.write(next)
  }, 1000)
  // A safety net against a hang only, far above any run time.
  const killer = setTimeout(() => child.kill('SIGKILL'), 300000)
  return new Promise((resolve) => child.on('close', (code) => (clearTimeout(killer), clearInterval(typer), resolve({code, screen}))))
}

test('config set prompts for a value on a TTY, validating as you type', {skip: needTool('script', 'bsdutils', haveScript)}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'felixctl-prompt-'))
  try {
    const cfg = join(dir, 'felix.cfg')
    const snap = join(dir, 's.json')
    writeFileSync(cfg, '[global]\n')
    writeFileSync(snap, '{}')
    // An int parameter: "abc" is rejected in the prompt, then 1400 is accepted.
    const r = await onPty(['config', 'set', 'IpInIpMtu', '--layer', 'file', '-c', cfg, '--snapshot', snap, '--host', 'n1'], ['abc\r', '\x7f\x7f\x7f1400\r'])
    assert.equal(r.code, 0, r.screen)
    assert.match(r.screen, /invalid int/)
    assert.equal(readFileSync(cfg, 'utf8'), '[global]\nIpInIpMtu = 1400\n')
    // A oneof parameter: a list of choices; Enter takes the first (DEBUG).
    const s = await onPty(['config', 'set', 'LogSeverityScreen', '--layer', 'file', '-c', cfg, '--snapshot', snap, '--host', 'n1'], ['\r'])
    assert.equal(s.code, 0, s.screen)
    assert.match(readFileSync(cfg, 'utf8'), /^LogSeverityScreen = DEBUG$/m)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})
