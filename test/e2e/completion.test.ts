/**
 * End-to-end: shell completion (docs/output-formats.md, Shell completion). `felixctl complete`
 * prints the words; the bash function of the docs, run in a real bash against the built CLI,
 * offers them; oclif's generated zsh function holds the fixed option lists.
 */
import {describe, test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {CLI, REPO_ROOT, runCli} from '../helpers/cli.js'
import {getRegistry} from '../../src/params/index.js'

let cache: string
before(async () => {
  cache = mkdtempSync(join(tmpdir(), 'felixctl-completion-'))
  const r = await runCli(['autocomplete', '--refresh-cache'], {env: {XDG_CACHE_HOME: cache, HOME: cache}})
  assert.equal(r.code, 0, r.stderr)
})
after(() => rmSync(cache, {recursive: true, force: true}))

const lines = (s: string) => s.split('\n').filter(Boolean)

describe('felixctl complete', () => {
  test('params: every parameter name of the Felix version', async () => {
    const r = await runCli(['complete', 'params'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(lines(r.stdout), getRegistry('2.0.4').params.map((p) => p.name))
  })
  test('layers, OpenStack kinds and releases', async () => {
    assert.deepEqual(lines((await runCli(['complete', 'layers'])).stdout), ['global', 'host', 'file', 'env'])
    assert.deepEqual(lines((await runCli(['complete', 'openstack-kinds'])).stdout), ['nova.conf', 'neutron.conf', 'ml2_conf.ini', 'dhcp_agent.ini', 'all'])
    const releases = lines((await runCli(['complete', 'releases'])).stdout)
    for (const r of ['kilo', 'liberty', '2024.1', 'caracal']) assert.ok(releases.includes(r), r)
    // Every word is a release `--release` takes.
    for (const r of [releases[0], releases.at(-1)!]) assert.equal((await runCli(['openstack', 'render', 'nova.conf', '--release', r])).code, 0, r)
  })
  test('hosts: the host directories of a snapshot; without one, exit 2', async () => {
    const r = await runCli(['complete', 'hosts', '--snapshot', 'examples/snapshot.json'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(lines(r.stdout), ['node1', 'node2'])
    assert.equal((await runCli(['complete', 'hosts'])).code, 2)
  })
})

describe('zsh: oclif\'s generated function', () => {
  test('holds the fixed option lists', () => {
    const zsh = readFileSync(join(cache, 'felixctl', 'autocomplete', 'functions', 'zsh', '_felixctl'), 'utf8')
    assert.match(zsh, /--layer"\[[^\]]*\]:layer options:\(global host file env\)"/)
    assert.match(zsh, /--datastore-type"\[[^\]]*\]:datastore-type options:\(etcdv2 etcdv3 kubernetes\)"/)
  })
})

describe('bash: the function of docs/output-formats.md', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'output-formats.md'), 'utf8')
  const fn = /```bash\n([\s\S]*?)```/.exec(doc)![1]
  const complete = (words: string[]) => {
    const script = [
      `felixctl() { node -- ${JSON.stringify(CLI)} "$@"; }`,
      // oclif's function is the fallback; these cases never reach it.
      '_felixctl_autocomplete() { COMPREPLY=(OCLIF); }',
      fn,
      `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
      'COMP_CWORD=$((${#COMP_WORDS[@]} - 1))',
      '_felixctl_values',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n')
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {cwd: REPO_ROOT, encoding: 'utf8', env: {PATH: process.env.PATH, HOME: cache, NO_COLOR: '1'}})
    assert.equal(r.status, 0, r.stderr)
    return lines(r.stdout)
  }
  test('parameter names after config get / explain / set', () => {
    assert.deepEqual(complete(['felixctl', 'config', 'get', 'IpInIp']), ['IpInIpEnabled', 'IpInIpMtu', 'IpInIpTunnelAddr'].filter((n) => getRegistry('2.0.4').params.some((p) => p.name === n)))
    assert.ok(complete(['felixctl', 'config', 'explain', 'Log']).includes('LogSeverityScreen'))
    assert.ok(complete(['felixctl', 'config', 'get', 'IpInIpMtu', 'LogSev']).includes('LogSeverityScreen'))
  })
  test('--layer, --release, --param values', () => {
    assert.deepEqual(complete(['felixctl', 'config', 'set', 'IpInIpMtu', '1400', '--layer', 'g']), ['global'])
    assert.deepEqual(complete(['felixctl', 'openstack', 'render', 'all', '--release', 'ki']), ['kilo'])
    assert.deepEqual(complete(['felixctl', 'config', 'diff', '--param', 'IpInIpM']), ['IpInIpMtu'])
  })
  test('OpenStack file kinds', () => {
    assert.deepEqual(complete(['felixctl', 'openstack', 'render', 'n']), ['nova.conf', 'neutron.conf'])
  })
  test('--host: the host directories of the --snapshot on the line', () => {
    assert.deepEqual(complete(['felixctl', 'config', 'get', 'IpInIpMtu', '--snapshot', 'examples/snapshot.json', '--host', '']), ['node1', 'node2'])
    // Without a snapshot there is nothing to list: oclif's function answers.
    assert.deepEqual(complete(['felixctl', 'config', 'get', 'IpInIpMtu', '--host', '']), ['OCLIF'])
  })
  test('anything else goes to oclif\'s function', () => {
    assert.deepEqual(complete(['felixctl', 'config', '']), ['OCLIF'])
  })
})
