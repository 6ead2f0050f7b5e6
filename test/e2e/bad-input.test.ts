/**
 * The bad-input corpus (issue 10): test/fixtures/bad/cases.json lists, per case, a committed
 * fixture or a file made at run time (directories, symlink loops, unreadable modes, FIFOs,
 * huge and sparse files: things that cannot live in git), the command, the exit code and a
 * fragment of the output. Every case must also end without a stack trace, without exit 1
 * (a felixctl bug), on its own (a hang is killed by a safety net far above any run time; no
 * time limit is asserted), leave named files byte-identical when asked, and
 * leave no felixctl temp or lock files behind.
 */
import {describe, test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync, openSync, closeSync} from 'node:fs'
import {execFileSync} from 'node:child_process'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {CLI, REPO_ROOT, type CliResult} from '../helpers/cli.js'

const BAD = fileURLToPath(new URL('../fixtures/bad/', import.meta.url))

interface Make {
  type: 'directory' | 'symlink-loop' | 'dangling-symlink' | 'missing' | 'mode' | 'under-file' | 'sparse' | 'fifo' | 'path' | 'huge-line' | 'repeat' | 'tree'
  from?: string
  mode?: string
  dirMode?: string
  size?: number
  prefix?: string
  fill?: string
  text?: string
  count?: number
  path?: string
  files?: Record<string, string>
}

interface Case {
  id: string
  fixture?: string
  make?: Make
  args: string[]
  code: number
  match: string
  asUser?: boolean
  unchanged?: boolean
  /** Set when the case shows a known felixctl bug: the test is reported as todo. */
  todo?: string
}

const manifest = JSON.parse(readFileSync(join(BAD, 'cases.json'), 'utf8')) as {cases: Case[]}

let root: string
let snap: string

before(() => {
  root = mkdtempSync(join(tmpdir(), 'felixctl-bad-'))
  chmodSync(root, 0o755) // uid 65534 must reach the case directories
  snap = join(root, 'empty-snapshot.json')
  writeFileSync(snap, '{"/calico/v1/Ready": "true"}\n')
  chmodSync(snap, 0o644)
})
after(() => {
  rmSync(root, {recursive: true, force: true})
})

/** Create the case's file in its own directory; returns its path. */
function prepare(c: Case, dir: string): string {
  const file = join(dir, c.fixture ? c.fixture.split('/').pop()! : `${c.id}.input`)
  if (!c.fixture && !c.make) return file // the case is about its arguments only
  if (c.fixture) {
    copyFileSync(join(BAD, c.fixture), file)
    chmodSync(file, 0o644)
    return file
  }
  const m = c.make!
  switch (m.type) {
    case 'directory':
      mkdirSync(file)
      break
    case 'symlink-loop':
      symlinkSync(`${file}.b`, file)
      symlinkSync(file, `${file}.b`)
      break
    case 'dangling-symlink':
      symlinkSync(join(dir, 'nowhere'), file)
      break
    case 'missing':
      break
    case 'mode':
      copyFileSync(join(BAD, m.from!), file)
      chmodSync(file, Number.parseInt(m.mode!, 8))
      chmodSync(dir, Number.parseInt(m.dirMode ?? '755', 8))
      break
    case 'under-file': {
      const f = join(dir, 'plain-file')
      writeFileSync(f, 'x')
      return join(f, 'felix.cfg')
    }
    case 'sparse':
      closeSync(openSync(file, 'w'))
      truncateSync(file, m.size!)
      break
    case 'fifo':
      execFileSync('mkfifo', [file])
      break
    case 'path':
      return m.path!
    case 'huge-line':
      writeFileSync(file, Buffer.concat([Buffer.from(m.prefix ?? ''), Buffer.alloc(m.size!, m.fill ?? 'x'), Buffer.from('\n')]))
      break
    case 'repeat':
      writeFileSync(file, m.text!.repeat(m.count!))
      break
    case 'tree':
      mkdirSync(file)
      for (const [rel, content] of Object.entries(m.files ?? {})) {
        const p = join(file, rel)
        mkdirSync(dirname(p), {recursive: true})
        if (content.startsWith('@')) copyFileSync(join(BAD, content.slice(1)), p)
        else writeFileSync(p, content)
      }
      break
  }
  return file
}

/** Run bin/run.js through its own shebang, as an operator does (node's own argv handling included). */
function run(args: string[], asUser: boolean, timeoutMs: number): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^felix(ctl)?_/i.test(k))), NO_COLOR: '1'}
  const [cmd, argv] = asUser
    ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', CLI, ...args]]
    : [CLI, args]
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, {cwd: REPO_ROOT, env: {...env, HOME: asUser ? '/nonexistent' : env.HOME}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr})
    })
  })
}

test('the corpus has at least 60 cases, unique ids, fixtures under 100 KiB', () => {
  assert.ok(manifest.cases.length >= 60, `${manifest.cases.length} cases`)
  assert.equal(new Set(manifest.cases.map((c) => c.id)).size, manifest.cases.length)
  for (const c of manifest.cases) {
    if (c.fixture) assert.ok(readFileSync(join(BAD, c.fixture)).length <= 100 * 1024, `${c.id}: fixture too big for git`)
  }
})

describe('bad-input corpus', {concurrency: 2}, () => {
  for (const c of manifest.cases) {
    test(c.id, {todo: c.todo}, async () => {
      const dir = join(root, c.id)
      mkdirSync(dir)
      chmodSync(dir, 0o755)
      const file = prepare(c, dir)
      const before = c.unchanged ? readFileSync(file) : null
      const emptyDir = join(dir, 'empty-root')
      // An explicit -c must exist (exit 6 otherwise): cases about other inputs name an empty file.
      const emptyCfg = join(dir, 'empty.cfg')
      writeFileSync(emptyCfg, '')
      mkdirSync(emptyDir)
      const args = c.args.map((a) => a.replaceAll('{file}', file).replaceAll('{snap}', snap).replaceAll('{emptycfg}', emptyCfg).replaceAll('{tmp}', emptyDir))
      // A safety net against a hang (a FIFO opened for reading blocks for ever), not a time limit.
      const limit = 300000
      const r = await run(args, Boolean(c.asUser), limit)
      const all = r.stdout + r.stderr
      const show = `felixctl ${JSON.stringify(args)}\nexit ${r.code} ${r.signal ?? ''}\nstdout: ${r.stdout.slice(0, 1500)}\nstderr: ${r.stderr.slice(0, 1500)}`
      assert.equal(r.signal, null, `killed after ${limit} ms (a hang): ${show}`)
      assert.notEqual(r.code, 1, `exit 1 is a felixctl bug: ${show}`)
      assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace: ${show}`)
      assert.equal(r.code, c.code, show)
      assert.ok(all.includes(c.match), `expected ${JSON.stringify(c.match)} in the output: ${show}`)
      if (r.stdout.trim().startsWith('{')) assert.doesNotThrow(() => JSON.parse(r.stdout), 'stdout is one JSON document')
      if (before) assert.deepEqual(readFileSync(file), before, `${file} changed`)
      const leftovers = readdirSync(dir).filter((n) => /\.felixctl-|\.felixctl\.lock$/.test(n))
      assert.deepEqual(leftovers, [], 'felixctl temp or lock files left behind')
    })
  }
})
