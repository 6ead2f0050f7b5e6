/**
 * Every example in README.md, docs/*.md and every command's `examples` runs as written
 * with the built CLI, as a new user would run it from a fresh clone.
 *
 * - From markdown: fenced ```sh blocks; a line is an example when it invokes felixctl
 *   (`felixctl ...` or `./bin/run.js ...`, also after `&&`, `;` or `|`). Lines that start
 *   with `npm` or use `sh -c` are not felixctl examples. docs/commands.md is skipped: it is
 *   generated from the same `examples` the manifest holds (and a unit test keeps it fresh).
 * - From the manifest: every command's examples, with oclif's templates rendered.
 *
 * Each group (one sh block, or one command's examples) runs in order, with bash, in its own
 * sandbox: a temp directory holding copies of examples/ and test/fixtures/ as cwd, a temp
 * HOME, `/tmp/` in the example rewritten to the sandbox's own tmp (so `cp -a X /tmp/img`
 * cannot collide with anything), and `felixctl` a shell function running bin/run.js.
 * `$ETCD` in an example is the client URL of a throwaway etcd (test/helpers/etcd.ts).
 *
 * Each example must exit 0 or 3 (3 = a check found a problem), never print a stack trace,
 * and change nothing outside temp dirs: the repo's examples, fixtures, docs and README, the
 * system files felixctl can write (sysctl, modules-load, OpenStack and Calico config) and the
 * live nf_conntrack_max are fingerprinted before and after every example.
 */
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {CLI, REPO_ROOT} from '../helpers/cli.js'

export interface Example {
  /** Where it came from: `README.md:17` or `command sysctl apply #2`. */
  where: string
  command: string
}

export interface ExampleGroup {
  name: string
  examples: Example[]
}

const FELIXCTL_CALL = /(^|&&|\|\||;|\||\$\(|\()\s*(felixctl|\.\/bin\/run\.js)(\s|$)/

/** Whether a shell line is a felixctl example we run (see the header for the rules). */
export function isFelixctlExample(line: string): boolean {
  const t = line.trim()
  if (t === '' || t.startsWith('#')) return false
  if (/^npm(\s|$)/.test(t) || /\bsh -c\b/.test(t)) return false
  return FELIXCTL_CALL.test(t)
}

/** The example groups (one per ```sh block) of a markdown document. */
export function extractMarkdownExamples(markdown: string, source: string): ExampleGroup[] {
  const groups: ExampleGroup[] = []
  const lines = markdown.split('\n')
  let current: ExampleGroup | null = null
  let fence = ''
  lines.forEach((line, i) => {
    const open = /^(\s*)(`{3,}|~{3,})\s*(\S*)/.exec(line)
    if (current === null && fence === '' && open) {
      fence = open[2]
      if (/^(sh|bash|shell|console)$/.test(open[3])) current = {name: `${source}:${i + 1}`, examples: []}
      return
    }
    if (fence !== '' && line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') {
      if (current && current.examples.length > 0) groups.push(current)
      current = null
      fence = ''
      return
    }
    const command = line.trim().replace(/^\$\s+/, '')
    if (current && isFelixctlExample(command)) current.examples.push({where: `${source}:${i + 1}`, command})
  })
  return groups
}

interface ManifestCommand {
  examples?: Array<string | {command: string; description?: string}>
}

/** One group per command, from oclif.manifest.json. */
export function extractManifestExamples(manifest: {commands: Record<string, ManifestCommand>}): ExampleGroup[] {
  return Object.entries(manifest.commands)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, c]) => {
      const spaced = id.split(':').join(' ')
      const examples = (c.examples ?? []).flatMap((e, i) => {
        const raw = typeof e === 'string' ? e : e.command
        return raw
          .replace(/<%[=-]?\s*config\.bin\s*%>/g, 'felixctl')
          .replace(/<%[=-]?\s*command\.id\s*%>/g, spaced)
          .split('\n')
          .map((l) => l.trim().replace(/^\$\s+/, ''))
          .filter((l) => l !== '' && !/^npm(\s|$)/.test(l) && !/\bsh -c\b/.test(l))
          .map((command) => ({where: `command ${spaced} example #${i + 1}`, command}))
      })
      return {name: `command ${spaced}`, examples}
    })
    .filter((g) => g.examples.length > 0)
}

// ---------------------------------------------------------------------------------------------
// Extraction rules: one row per rule, so a broken extractor fails here, not silently.

describe('example extraction', () => {
  const rows: Array<[string, boolean]> = [
    ['felixctl config list', true],
    ['  felixctl sysctl check   # this host', true],
    ['./bin/run.js config get X', true],
    ['$ felixctl config explain X', false], // extracted after stripping `$ ` (see markdown test), not a raw match
    ['cp -a a /tmp/img && felixctl sysctl apply --root /tmp/img', true],
    ['npm ci && npm run build && ./bin/run.js config list', false],
    ["sh -c 'felixctl config list'", false],
    ['# felixctl config list', false],
    ['sysctl -w net.netfilter.nf_conntrack_max=1000000', false],
    ['echo felixctl', false],
    ['felixctlx list', false],
  ]
  for (const [line, expected] of rows) {
    test(`${JSON.stringify(line)} -> ${expected}`, () => assert.equal(isFelixctlExample(line), expected))
  }

  test('markdown: only sh blocks, in order, one group per block', () => {
    const md = [
      '```sh', // 1
      '# comment',
      'felixctl a',
      '$ felixctl b',
      '```',
      '```json', // 6
      'felixctl not-sh',
      '```',
      '```sh', // 9
      'echo nothing',
      '```',
      '````sh', // 12
      'felixctl c ```',
      '````',
    ].join('\n')
    assert.deepEqual(extractMarkdownExamples(md, 'x.md'), [
      {name: 'x.md:1', examples: [{where: 'x.md:3', command: 'felixctl a'}, {where: 'x.md:4', command: 'felixctl b'}]},
      {name: 'x.md:12', examples: [{where: 'x.md:13', command: 'felixctl c ```'}]},
    ])
  })

  test('manifest: templates rendered, npm lines dropped', () => {
    const groups = extractManifestExamples({
      commands: {
        'b:c': {examples: ['<%= config.bin %> <%= command.id %> --x', {command: 'npm test'}]},
        'a:b': {examples: [{command: '<%= config.bin %> <%= command.id %>', description: 'd'}]},
        'z:z': {examples: []},
      },
    })
    assert.deepEqual(groups, [
      {name: 'command a b', examples: [{where: 'command a b example #1', command: 'felixctl a b'}]},
      {name: 'command b c', examples: [{where: 'command b c example #1', command: 'felixctl b c --x'}]},
    ])
  })
})

// ---------------------------------------------------------------------------------------------
// What "nothing written outside temp dirs" is checked against.

const WATCHED_SYSTEM_PATHS = [
  '/etc/sysctl.conf',
  '/etc/sysctl.d',
  '/run/sysctl.d',
  '/etc/modules',
  '/etc/modules-load.d',
  '/etc/calico',
  '/etc/nova',
  '/etc/neutron',
  '/proc/sys/net/netfilter/nf_conntrack_max',
]
const WATCHED_REPO_PATHS = ['README.md', 'docs', 'examples', 'test/fixtures']

function fingerprint(path: string, out: string[]): void {
  let st
  try {
    st = lstatSync(path)
  } catch {
    out.push(`${path} absent`)
    return
  }
  if (st.isDirectory()) {
    out.push(`${path}/ ${st.mode}`)
    for (const n of readdirSync(path).sort()) fingerprint(join(path, n), out)
  } else if (path.startsWith('/proc/')) {
    out.push(`${path} ${readFileSync(path, 'utf8').trim()}`)
  } else {
    out.push(`${path} ${st.mode} ${st.size} ${st.mtimeMs}`)
  }
}

function outsideState(): string[] {
  const out: string[] = []
  for (const p of WATCHED_SYSTEM_PATHS) fingerprint(p, out)
  for (const p of WATCHED_REPO_PATHS) fingerprint(join(REPO_ROOT, p), out)
  return out
}

function changes(before: string[], afterState: string[]): string[] {
  const a = new Set(before)
  const b = new Set(afterState)
  return [...before.filter((x) => !b.has(x)).map((x) => `- ${x}`), ...afterState.filter((x) => !a.has(x)).map((x) => `+ ${x}`)]
}

describe('the write check', () => {
  test('a change under a watched directory is reported', () => {
    const dir = mkdtempSync(join(tmpdir(), 'felixctl-docs-fp-'))
    try {
      const before: string[] = []
      fingerprint(dir, before)
      writeFileSync(join(dir, 'new.conf'), 'x\n')
      const afterState: string[] = []
      fingerprint(dir, afterState)
      assert.deepEqual(changes(before, afterState), [`+ ${join(dir, 'new.conf')} ${lstatSync(join(dir, 'new.conf')).mode} 2 ${lstatSync(join(dir, 'new.conf')).mtimeMs}`])
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

// ---------------------------------------------------------------------------------------------

function loadGroups(): {groups: ExampleGroup[]; problems: string[]} {
  const problems: string[] = []
  const groups: ExampleGroup[] = []
  const sources = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((n) => n.endsWith('.md') && n !== 'commands.md').sort().map((n) => `docs/${n}`)]
  for (const s of sources) groups.push(...extractMarkdownExamples(readFileSync(join(REPO_ROOT, s), 'utf8'), s))
  const manifestPath = join(REPO_ROOT, 'oclif.manifest.json')
  if (!existsSync(manifestPath)) problems.push('oclif.manifest.json is missing: build first (npm run build)')
  else groups.push(...extractManifestExamples(JSON.parse(readFileSync(manifestPath, 'utf8'))))
  return {groups, problems}
}

const {groups, problems} = loadGroups()
const sandboxes: string[] = []
type EtcdLike = {clientUrl: string; stop(): Promise<void>; v2(method: 'PUT', key: string, value: string): Promise<{status: number; body: string}>; etcdctl(args: string[]): Promise<{code: number | null; stderr: string}>}
let etcd: EtcdLike | null | undefined
let etcdError = ''

/**
 * A throwaway etcd for examples that say `$ETCD`, seeded (v2 and v3 key spaces) with
 * examples/snapshot.json, so live examples see the same data as the snapshot examples.
 */
async function etcdUrl(): Promise<string | null> {
  if (etcd === undefined) {
    try {
      const {startEtcd} = await import('../helpers/etcd.js')
      const member = (await startEtcd()) as unknown as EtcdLike
      etcd = member
      const seed = JSON.parse(readFileSync(join(REPO_ROOT, 'examples', 'snapshot.json'), 'utf8')) as Record<string, string>
      for (const [key, value] of Object.entries(seed)) {
        const v2 = await member.v2('PUT', key, value)
        if (v2.status >= 300) throw new Error(`seeding ${key} (v2) failed: ${v2.status} ${v2.body}`)
        const v3 = await member.etcdctl(['put', key, value])
        if (v3.code !== 0) throw new Error(`seeding ${key} (v3) failed: ${v3.stderr}`)
      }
    } catch (error) {
      etcd = etcd ?? null
      etcdError = (error as Error).message.split('\n')[0]
      if (etcd) throw error
    }
  }
  return etcd ? etcd.clientUrl : null
}

after(async () => {
  if (etcd) await etcd.stop()
  for (const s of sandboxes) rmSync(s, {recursive: true, force: true})
})

function makeSandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), 'felixctl-docs-examples-'))
  sandboxes.push(dir)
  cpSync(join(REPO_ROOT, 'examples'), join(dir, 'examples'), {recursive: true})
  cpSync(join(REPO_ROOT, 'test', 'fixtures'), join(dir, 'test', 'fixtures'), {recursive: true})
  mkdirSync(join(dir, 'home'))
  mkdirSync(join(dir, 'tmp'))
  return dir
}

const LOCAL_ETCD = /(127\.0\.0\.1|localhost|\[::1\]):(2379|4001)\b/

const STACK_TRACE = /^\s+at .+(:\d+:\d+\)?|\(node:.+\))$/m

describe('documented examples run as written', () => {
  test('there are examples to run, and the manifest is built', () => {
    assert.deepEqual(problems, [])
    assert.ok(groups.some((g) => g.name.startsWith('README.md')), 'README.md has no felixctl example in a ```sh block')
    assert.ok(groups.some((g) => g.name.startsWith('command ')), 'no command has examples')
  })

  for (const group of groups) {
    describe(group.name, () => {
      const sandbox = makeSandbox()
      for (const ex of group.examples) {
        test(`${ex.where}: ${ex.command}`, async (t) => {
          const env: Record<string, string> = {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: join(sandbox, 'home'),
            TMPDIR: join(sandbox, 'tmp'),
            NO_COLOR: '1',
            LANG: 'C.UTF-8',
            FELIXCTL_REPO_CLI: CLI,
          }
          // docs/reference/contracts.md §1: examples never rely on an etcd at 127.0.0.1:2379; they say $ETCD and the test starts one.
          assert.doesNotMatch(ex.command, LOCAL_ETCD, 'an example must not rely on an etcd at 127.0.0.1:2379 (contracts.md §1): write --etcd-endpoints "$ETCD" instead')
          if (/\$\{?ETCD/.test(ex.command)) {
            const url = await etcdUrl()
            if (url === null) {
              t.skip(`needs an etcd and none could be started: ${etcdError}`)
              return
            }
            env.ETCD = url
            env.ETCD_ENDPOINTS = url
          }
          // `/tmp/...` in an example becomes the sandbox's tmp: fixed names cannot collide or leak.
          const command = ex.command.replace(/(^|[\s='"])\/tmp\//g, `$1${join(sandbox, 'tmp')}/`).replace(/(^|&&|\|\||;|\||\(|\s)\.\/bin\/run\.js(?=\s|$)/g, '$1felixctl')
          const script = `set -o pipefail\nfelixctl() { node -- "$FELIXCTL_REPO_CLI" "$@"; }\n${command}\n`
          const before = outsideState()
          const r = spawnSync('bash', ['-c', script], {cwd: sandbox, env, encoding: 'utf8', timeout: 60000, input: ''})
          const written = changes(before, outsideState())
          const detail = `\n$ ${command}\nexit ${r.status}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${(r.stdout ?? '').slice(0, 2000)}\n--- stderr\n${(r.stderr ?? '').slice(0, 2000)}`
          assert.ok(r.status === 0 || r.status === 3, `exit code must be 0 or 3${detail}`)
          assert.doesNotMatch(r.stderr ?? '', STACK_TRACE, `stack trace on stderr${detail}`)
          assert.deepEqual(written, [], `wrote outside its temp dirs${detail}`)
        })
      }
    })
  }
})
