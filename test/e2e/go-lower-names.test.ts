/**
 * Every case-insensitive lookup of a name uses Go's lower-casing (issue 13, item 15): a key spelt
 * with a character Go lower-cases differently from JavaScript (`FelİxHostname`: Go gives
 * "felixhostname", JavaScript "feli̇xhostname") is the same parameter everywhere, as for Felix.
 */
import {after, before, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {REPO_ROOT, runCli} from '../helpers/cli.js'

let dir: string
let snap: string
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'felixctl-golower-'))
  writeFileSync(join(dir, 'none.cfg'), '')
  snap = join(dir, 'snapshot.json')
  writeFileSync(snap, JSON.stringify({'/calico/v1/Ready': 'true', '/calico/v1/host/node1/config/IpInIpMtu': '1400', '/calico/v1/host/node2/config/IpInIpMtu': '1300'}))
})
after(() => rmSync(dir, {recursive: true, force: true}))

test('FelİxHostname in felix.cfg: config list --all-hosts --with-local drops it like FelixHostname (no internal error)', async () => {
  const cfg = join(dir, 'dotted.cfg')
  writeFileSync(cfg, '[global]\nFelİxHostname = node9\n')
  const r = await runCli(['config', 'list', '--all-hosts', '--with-local', '--snapshot', snap, '-c', cfg])
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stderr, /FelixHostname="node9" from this machine is not applied/)
  assert.match(r.stdout, /^node1 +1400$/m)
})

test('FELIX_FELİXHOSTNAME in an env file sets the host directory as FELIX_FELIXHOSTNAME would', async () => {
  const env = join(dir, 'felix.env')
  writeFileSync(env, 'FELIX_FELİXHOSTNAME=node2\n')
  const r = await runCli(['config', 'get', 'IpInIpMtu', '--env-file', env, '--snapshot', snap, '-c', join(dir, 'none.cfg'), '-o', 'json'])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(JSON.parse(r.stdout).value, 1300)
})

test('src/ lower-cases names only through goToLower (String#toLowerCase only where Go is not the model)', () => {
  // Not Felix names: OpenStack (Python's lower()), did-you-mean's fuzzy match, error codes, TLS alerts, URL schemes (ASCII).
  const allowed = new Set(['src/lib/go-lower.ts', 'src/lib/did-you-mean.ts', 'src/openstack/releases.ts', 'src/openstack/requirements.ts', 'src/formats/oslo-ini.ts', 'src/services/openstack-render.ts', 'src/errors.ts', 'src/datastore/failures.ts', 'src/params/go/url.ts'])
  const found: string[] = []
  const walk = (d: string) => {
    for (const n of readdirSync(join(REPO_ROOT, d))) {
      const rel = `${d}/${n}`
      if (statSync(join(REPO_ROOT, rel)).isDirectory()) walk(rel)
      else if (rel.endsWith('.ts') && !allowed.has(rel) && /\.toLowerCase\(\)/.test(readFileSync(join(REPO_ROOT, rel), 'utf8'))) found.push(rel)
    }
  }
  walk('src')
  assert.deepEqual(found, [])
  // go/url.ts: only the URL scheme (ASCII letters, as Go's getscheme accepts).
  assert.deepEqual(readFileSync(join(REPO_ROOT, 'src/params/go/url.ts'), 'utf8').match(/.*\.toLowerCase\(\).*/g)?.map((l) => l.trim()), ['u.scheme = rawurl.slice(0, i).toLowerCase()'])
})
