/** Spawn the built CLI (bin/run.js) and capture stdout, stderr and the exit code. */
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const CLI = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  env?: Record<string, string | undefined>
  /** Replace the environment instead of extending it (FELIX_* of the test runner never leak in). */
  cleanEnv?: boolean
  input?: string
  cwd?: string
  timeoutMs?: number
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const base: Record<string, string | undefined> = options.cleanEnv
    ? {PATH: process.env.PATH, HOME: process.env.HOME}
    : Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^felix(ctl)?_/i.test(k)))
  const env = {...base, NO_COLOR: '1', ...options.env}
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--', CLI, ...args], {cwd: options.cwd ?? REPO_ROOT, env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr})
    })
    child.stdin.end(options.input ?? '')
  })
}
