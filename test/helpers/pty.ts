/** Run the built CLI on a real pty (script(1)), typing keys once a prompt is on the screen. */
import {spawn, spawnSync} from 'node:child_process'
import {CLI, REPO_ROOT} from './cli.js'

export const haveScript = spawnSync('script', ['--version'], {stdio: 'ignore'}).status === 0

/** Run the CLI on a pty, typing each input after a pause once `waitFor` is on the screen; returns the screen text and the exit code. */
export function onPty(args: string[], inputs: string[], waitFor: string): Promise<{code: number | null; screen: string}> {
  const cmd = ['node', '--', CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')
  const child = spawn('script', ['-qec', cmd, '/dev/null'], {cwd: REPO_ROOT, env: {...process.env, NO_COLOR: '1'}, stdio: ['pipe', 'pipe', 'pipe']})
  let screen = ''
  child.stdout.setEncoding('utf8').on('data', (d) => (screen += d))
  child.stderr.setEncoding('utf8').on('data', (d) => (screen += d))
  // Type only once the prompt is on the screen (a loaded machine can take seconds to get there),
  // then leave each key time to be handled.
  const pending = [...inputs]
  const typer = setInterval(() => {
    if (!screen.includes(waitFor)) return
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
