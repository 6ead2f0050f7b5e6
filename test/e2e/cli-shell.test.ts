/** End-to-end: what surrounds the commands — help with examples, did-you-mean, version, completion. */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {CLI, REPO_ROOT, runCli} from '../helpers/cli.js'

const manifest = () => JSON.parse(readFileSync(join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {examples?: unknown[]; hidden?: boolean; pluginType?: string}>}

describe('the CLI shell', () => {
  test('every felixctl command has examples, shown by `felixctl help <command>`', async () => {
    const ids = Object.keys(manifest().commands)
    assert.ok(ids.length >= 14, `only ${ids.length} commands in the manifest`)
    // help and autocomplete are oclif's own commands, bundled by scripts/build.mjs (not felixctl's).
    for (const id of ids.filter((i) => i !== 'help' && !i.startsWith('autocomplete'))) {
      const c = manifest().commands[id]
      assert.ok((c.examples ?? []).length >= 2, `${id} has fewer than two examples`)
    }
    const r = await runCli(['help', 'config', 'get'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^EXAMPLES$/m)
    assert.match(r.stdout, /\$ felixctl config get LogSeverityFile/)
  })

  for (const [typed, expected] of [
    [['confg', 'get', 'X'], 'felixctl config get'],
    [['sysctl', 'chek'], 'felixctl sysctl check'],
    [['doctr'], 'felixctl doctor'],
  ] as const) {
    test(`a mistyped command (${typed.join(' ')}) is a usage error with a did-you-mean`, async () => {
      const r = await runCli([...typed])
      assert.equal(r.code, 2)
      assert.equal(r.stdout, '')
      assert.ok(r.stderr.includes(`Did you mean ${expected}`), r.stderr)
    })
  }

  test('an unknown flag is a usage error (2) without a stack trace', async () => {
    const r = await runCli(['config', 'list', '--no-such-flag'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /no-such-flag/)
    assert.doesNotMatch(r.stderr, /\n\s+at /)
  })

  test('--version names felixctl and the node version', async () => {
    const r = await runCli(['--version'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /^felixctl\/\d+\.\d+\.\d+ .* node-v\d+/)
  })

  test('shell completion is available', async () => {
    const r = await runCli(['autocomplete', 'script', 'bash'], {env: {XDG_CACHE_HOME: join(REPO_ROOT, 'node_modules', '.cache-test')}})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /FELIXCTL_AC_BASH_SETUP_PATH/)
  })

  // `felixctl ... | head -1`: the reader is gone before felixctl writes (deterministic: the pipe is
  // closed before the child starts writing), so every write meets EPIPE.
  for (const args of [
    ['--help'],
    ['help', 'config', 'get'],
    ['config', 'list', '--host', 'node2', '-c', 'examples/felix.cfg', '--snapshot', 'examples/snapshot.json', '-o', 'json'],
    ['sysctl', 'check', '--root', 'test/fixtures/sysctl/debian-fresh'],
    ['doctor', '--host', 'node2', '-c', 'examples/felix.cfg', '--snapshot', 'examples/snapshot.json', '--root', 'test/fixtures/sysctl/debian-fresh'],
  ]) {
    test(`a closed stdout ends \`felixctl ${args.join(' ')}\` quietly with 0`, async () => {
      const child = spawn(process.execPath, ['--', CLI, ...args], {cwd: REPO_ROOT, env: {PATH: process.env.PATH, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
      child.stdout.destroy()
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
      assert.equal(stderr, '')
      assert.equal(code, 0)
    })
  }
})
