/**
 * The config commands against a real etcd (v2 and v3 key spaces of one etcd 3.4), compared with
 * the snapshot driver on the same data; set/unset round trips and compare-and-swap on both drivers.
 */
import {describe, test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {runCli} from '../helpers/cli.js'
import {EtcdInstance, startEtcd} from '../helpers/etcd.js'

const DATA: Record<string, string> = {
  '/calico/v1/Ready': 'true',
  '/calico/v1/config/LogSeverityFile': 'debug',
  '/calico/v1/config/IpInIpMtu': '1400',
  '/calico/v1/config/EtcdAddr': '10.9.9.9:2379',
  '/calico/v1/config/logseverityscreen': 'ERROR',
  '/calico/v1/config/Bogus': 'x',
  '/calico/v1/host/node1/config/IpInIpMtu': '1420',
  '/calico/v1/host/node1/config/ReportingIntervalSecs': 'soon',
  '/calico/v1/host/node2/config/IptablesMarkMask': '0x1',
  // Not config: must not be read as such.
  '/calico/v1/host/node1/workload/openstack/w1/endpoint/e1': '{"state":"active"}',
}

let etcd: EtcdInstance
let dir: string
let snapshot: string
let noCfg: string

before(async () => {
  etcd = await startEtcd()
  dir = mkdtempSync(join(tmpdir(), 'felixctl-live-'))
  snapshot = join(dir, 'snap.json')
  noCfg = join(dir, 'none.cfg')
  // An explicitly named config file must exist (exit 6): an empty one is no configuration.
  writeFileSync(noCfg, '')
  writeFileSync(snapshot, JSON.stringify(Object.fromEntries(Object.entries(DATA).filter(([k]) => !k.includes('/workload/')))))
  for (const [k, v] of Object.entries(DATA)) {
    const r2 = await etcd.v2('PUT', k, v)
    assert.ok(r2.status < 300, `v2 seed ${k}: ${r2.status} ${r2.body}`)
    const r3 = await etcd.etcdctl(['put', k, v])
    assert.equal(r3.code, 0, r3.stderr)
  }
})
after(async () => {
  await etcd?.stop()
  rmSync(dir, {recursive: true, force: true})
})

const via = (driver: 'etcdv2' | 'etcdv3' | 'snapshot') =>
  driver === 'snapshot' ? ['--snapshot', snapshot] : ['--datastore-type', driver, '--etcd-endpoints', etcd.clientUrl, '--etcd-timeout', '5s']

describe('identical results for identical data', () => {
  for (const host of ['node1', 'node2', 'node3']) {
    test(`config list -o json on ${host}: etcdv2 = etcdv3 = snapshot`, async () => {
      const docs = await Promise.all((['etcdv2', 'etcdv3', 'snapshot'] as const).map((d) => runCli(['config', 'list', '-o', 'json', '--host', host, '-c', noCfg, ...via(d)])))
      const parsed = docs.map((r, i) => {
        assert.ok(r.code === 0 || r.code === 3, `exit ${r.code}: ${r.stderr}`)
        const {readFrom: _readFrom, ...rest} = JSON.parse(r.stdout)
        // The v3 read says, once, that Felix 2.0 itself reads the v2 API; otherwise the documents are equal.
        const v3Notes = rest.diagnostics.filter((d: {message: string}) => /Felix 2\.0 reads etcd through the v2 API/.test(d.message))
        assert.equal(v3Notes.length, i === 1 ? 1 : 0, JSON.stringify(rest.diagnostics))
        return {...rest, diagnostics: rest.diagnostics.filter((d: {message: string}) => !v3Notes.includes(d))}
      })
      assert.deepEqual(parsed[0], parsed[2])
      assert.deepEqual(parsed[1], parsed[2])
      assert.equal(docs[0].code, docs[2].code)
    })
  }
  test('values seen through the live drivers', async () => {
    const r = await runCli(['config', 'get', 'IpInIpMtu', '--host', 'node1', '-c', noCfg, ...via('etcdv2'), '-o', 'json'])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.deepEqual([doc.value, doc.source, doc.origin.key], [1420, 'host', '/calico/v1/host/node1/config/IpInIpMtu'])
    const n2 = await runCli(['config', 'get', 'IptablesMarkMask', '--host', 'node2', '-c', noCfg, ...via('etcdv3'), '-o', 'json'])
    assert.equal(n2.code, 3)
    assert.equal(JSON.parse(n2.stdout).fatal.param, 'IptablesMarkMask')
  })
  test('connects where Felix would: EtcdEndpoints from the environment', async () => {
    const r = await runCli(['config', 'get', 'LogSeverityFile', '--host', 'node1', '-c', noCfg, '-o', 'json'], {env: {FELIX_ETCDENDPOINTS: etcd.clientUrl}})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(JSON.parse(r.stdout).source, 'global')
  })
  test('datastore export writes a snapshot that evaluates identically', async () => {
    const e = await runCli(['datastore', 'export', ...via('etcdv2'), '-c', noCfg])
    assert.equal(e.code, 0, e.stderr)
    const exported = JSON.parse(e.stdout)
    assert.deepEqual(exported, JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(DATA).filter(([k]) => !k.includes('/workload/')).sort(([a], [b]) => (a < b ? -1 : 1))))))
  })
  test('datastore status counts hosts and reports Ready', async () => {
    const r = await runCli(['datastore', 'status', ...via('etcdv3'), '-c', noCfg, '-o', 'json'])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.deepEqual([doc.reachable, doc.ready, doc.hostsWithConfig, doc.globalKeys, doc.apiVersion], [true, 'true', 2, 5, 'v3'])
  })
  test('unreachable etcd: exit 5 naming the endpoint; --allow-partial still shows local layers', async () => {
    const args = ['config', 'get', 'LogSeverityFile', '-c', noCfg, '--etcd-endpoints', 'http://127.0.0.1:1', '--etcd-timeout', '2s']
    const r = await runCli(args)
    assert.equal(r.code, 5)
    assert.match(r.stderr, /127\.0\.0\.1:1/)
    const p = await runCli([...args, '--allow-partial', '-o', 'json'], {env: {FELIX_LOGSEVERITYFILE: 'error'}})
    assert.equal(p.code, 0, p.stderr)
    assert.equal(JSON.parse(p.stdout).value, 'ERROR')
    assert.match(p.stderr, /partial/)
  })
})

describe('scoped reads', () => {
  for (const type of ['etcdv2', 'etcdv3'] as const) {
    test(`${type}: a single-host read returns the global and that host's config only`, async () => {
      const {openDatastore} = await import('../../src/datastore/index.js')
      const ds = await openDatastore({type, endpoints: [etcd.clientUrl], timeoutMs: 5000})
      try {
        const scoped = await ds.readConfig({host: 'node1'})
        const expected = Object.keys(DATA).filter((k) => k.startsWith('/calico/v1/config/') || k.startsWith('/calico/v1/host/node1/config/')).sort()
        assert.deepEqual(scoped.kvs.map((kv) => kv.key), expected)
        assert.equal(scoped.ready, 'true')
        const all = await ds.readConfig()
        assert.ok(all.kvs.some((kv) => kv.key.startsWith('/calico/v1/host/node2/')))
      } finally {
        await ds.close()
      }
    })
  }
})

describe('set and unset on etcd, both drivers', () => {
  for (const driver of ['etcdv2', 'etcdv3'] as const) {
    test(`${driver}: set global, set host, get, unset, CAS conflict`, async () => {
      const base = ['-c', noCfg, ...via(driver), '--yes']
      const s1 = await runCli(['config', 'set', 'ChainInsertMode', 'append', '--layer', 'global', ...base, '-o', 'json'])
      assert.equal(s1.code, 0, s1.stderr)
      assert.equal(JSON.parse(s1.stdout).target, '/calico/v1/config/ChainInsertMode')
      const g1 = await runCli(['config', 'get', 'ChainInsertMode', '--host', 'node9', ...base.filter((a) => a !== '--yes'), '-o', 'json'])
      assert.deepEqual([JSON.parse(g1.stdout).value, JSON.parse(g1.stdout).source], ['append', 'global'])
      const s2 = await runCli(['config', 'set', 'chaininsertmode', 'insert', '--layer', 'host', '--host', 'node9', ...base, '--create-host', '-o', 'json'])
      assert.equal(s2.code, 0, s2.stderr)
      assert.equal(JSON.parse(s2.stdout).target, '/calico/v1/host/node9/config/ChainInsertMode')
      const g2 = await runCli(['config', 'get', 'ChainInsertMode', '--host', 'node9', ...base.filter((a) => a !== '--yes'), '-o', 'json'])
      assert.deepEqual([JSON.parse(g2.stdout).value, JSON.parse(g2.stdout).source], ['insert', 'host'])
      // Compare-and-swap with a stale revision: refused with exit 7, value unchanged.
      const c = await runCli(['config', 'set', 'ChainInsertMode', 'append', '--layer', 'host', '--host', 'node9', '--if-revision', '1', ...base])
      assert.equal(c.code, 7, c.stderr)
      assert.match(c.stderr, /insert/)
      const u = await runCli(['config', 'unset', 'ChainInsertMode', '--layer', 'host', '--host', 'node9', ...base, '-o', 'json'])
      assert.equal(u.code, 0, u.stderr)
      assert.deepEqual([JSON.parse(u.stdout).after.value, JSON.parse(u.stdout).after.source], ['append', 'global'])
      const u2 = await runCli(['config', 'unset', 'ChainInsertMode', '--layer', 'global', ...base])
      assert.equal(u2.code, 0, u2.stderr)
    })
  }
})

describe('spellings and compare-and-swap on etcd, both drivers', () => {
  for (const driver of ['etcdv2', 'etcdv3'] as const) {
    const put = (k: string, v: string) => (driver === 'etcdv2' ? etcd.v2('PUT', k, v) : etcd.etcdctl(['put', k, v]))
    const keysUnder = async (prefix: string) => {
      const r = await runCli(['datastore', 'export', '-c', noCfg, ...via(driver)])
      return Object.keys(JSON.parse(r.stdout)).filter((k) => k.startsWith(prefix))
    }
    test(`${driver}: unset removes the key spelt as given; --fix-spelling removes the other spellings`, async () => {
      // (Global holds a canonical LogSeverityFile only, so the host directory decides.)
      const dir = `/calico/v1/host/${driver}-n5/config/`
      await put(`${dir}logseverityfile`, 'ERROR')
      await put(`${dir}LogSeverityFile`, 'INFO')
      const base = ['--layer', 'host', '--host', `${driver}-n5`, '-c', noCfg, ...via(driver), '--yes']
      const u = await runCli(['config', 'unset', 'logseverityfile', ...base])
      assert.equal(u.code, 0, u.stderr)
      assert.deepEqual(await keysUnder(dir), [`${dir}LogSeverityFile`])
      await put(`${dir}LOGSEVERITYFILE`, 'DEBUG')
      const s = await runCli(['config', 'set', 'LogSeverityFile', 'WARNING', ...base, '--fix-spelling', '-o', 'json'])
      assert.equal(s.code, 0, s.stderr)
      assert.deepEqual([JSON.parse(s.stdout).after.value, JSON.parse(s.stdout).after.source], ['WARNING', 'host'])
      assert.deepEqual(await keysUnder(dir), [`${dir}LogSeverityFile`])
    })
    test(`${driver}: --if-revision is checked before writing, --dry-run included`, async () => {
      const base = ['--layer', 'global', '-c', noCfg, ...via(driver), '--yes']
      const bad = await runCli(['config', 'set', 'MaxIpsetSize', '2000', ...base, '--if-revision', 'abc'])
      assert.equal(bad.code, 2, bad.stderr)
      const created = await runCli(['config', 'set', 'MaxIpsetSize', '2000', ...base, '--if-revision', '0', '-o', 'json'])
      assert.equal(created.code, 0, created.stderr)
      const again = await runCli(['config', 'set', 'MaxIpsetSize', '3000', ...base, '--if-revision', '0', '--dry-run'])
      assert.equal(again.code, 7, again.stderr)
      assert.match(again.stderr, /already exists/)
      const stale = await runCli(['config', 'set', 'MaxIpsetSize', '3000', ...base, '--if-revision', '1', '--dry-run'])
      assert.equal(stale.code, 7, stale.stderr)
      assert.match(stale.stderr, /is not at revision 1: it is "2000" at revision \d+/)
      const fileLayer = await runCli(['config', 'set', 'MaxIpsetSize', '3000', '--layer', 'file', '-c', join(dir, 'x.cfg'), '--snapshot', snapshot, '--if-revision', '1'])
      assert.equal(fileLayer.code, 2, fileLayer.stderr)
      await runCli(['config', 'unset', 'MaxIpsetSize', ...base])
    })
  }
})


describe('host directories: a write lands where --host says, or is refused', () => {
  for (const driver of ['etcdv2', 'etcdv3'] as const) {
    const put = (k: string, v: string) => (driver === 'etcdv2' ? etcd.v2('PUT', k, v) : etcd.etcdctl(['put', k, v]))
    const exported = async () => {
      const r = await runCli(['datastore', 'export', '-c', noCfg, ...via(driver)])
      assert.equal(r.code, 0, r.stderr)
      return JSON.parse(r.stdout) as Record<string, string>
    }
    const c1 = `${driver}-compute-01`
    const c2 = `${driver}-compute-02`
    let cfg: string

    before(async () => {
      await put(`/calico/v1/host/${c1}/config/IpInIpMtu`, '1420')
      await put(`/calico/v1/host/${c2}/config/IpInIpMtu`, '1380')
      // As on most compute nodes: this machine's felix.cfg names its own host directory.
      cfg = join(dir, `${driver}-compute.cfg`)
      writeFileSync(cfg, `[global]\nFelixHostname = ${c1}\n`)
    })

    test(`${driver}: FelixHostname from this machine's file or env and --host naming another: refused (exit 2), nothing written`, async () => {
      const r = await runCli(['config', 'set', 'IpInIpMtu', '1400', '--layer', 'host', '--host', c2, '-c', cfg, ...via(driver), '--yes'])
      assert.equal(r.code, 2, r.stderr)
      for (const s of [c1, c2, `${cfg}:2`, `--host ${c1}`, '--no-local']) assert.ok(r.stderr.includes(s), `${s} missing in: ${r.stderr}`)
      const u = await runCli(['config', 'unset', 'IpInIpMtu', '--layer', 'host', '--host', c2, '-c', noCfg, ...via(driver), '--yes'], {env: {FELIX_FELIXHOSTNAME: c1}})
      assert.equal(u.code, 2, u.stderr)
      assert.match(u.stderr, /env FELIX_FELIXHOSTNAME/)
      const keys = await exported()
      assert.equal(keys[`/calico/v1/host/${c1}/config/IpInIpMtu`], '1420')
      assert.equal(keys[`/calico/v1/host/${c2}/config/IpInIpMtu`], '1380')
    })

    test(`${driver}: the two ways out: --host names FelixHostname's directory, or --no-local evaluates --host from etcd alone`, async () => {
      const a = await runCli(['config', 'set', 'IpInIpMtu', '1401', '--layer', 'host', '--host', c1, '-c', cfg, ...via(driver), '--yes', '-o', 'json'])
      assert.equal(a.code, 0, a.stderr)
      assert.equal(JSON.parse(a.stdout).target, `/calico/v1/host/${c1}/config/IpInIpMtu`)
      const b = await runCli(['config', 'set', 'IpInIpMtu', '1402', '--layer', 'host', '--host', c2, '-c', cfg, '--no-local', ...via(driver), '--yes', '-o', 'json'])
      assert.equal(b.code, 0, b.stderr)
      assert.deepEqual([JSON.parse(b.stdout).target, JSON.parse(b.stdout).after.value], [`/calico/v1/host/${c2}/config/IpInIpMtu`, 1402])
      const keys = await exported()
      assert.deepEqual([keys[`/calico/v1/host/${c1}/config/IpInIpMtu`], keys[`/calico/v1/host/${c2}/config/IpInIpMtu`]], ['1401', '1402'])
    })

    test(`${driver}: a read says in its result which host directory was evaluated, and why`, async () => {
      const j = await runCli(['config', 'get', 'IpInIpMtu', '--host', c2, '-c', cfg, ...via(driver), '-o', 'json'])
      assert.equal(j.code, 0, j.stderr)
      const hd = JSON.parse(j.stdout).hostDirectory
      assert.deepEqual([hd.name, hd.kernelHostname, hd.kernelHostnameFrom, hd.setBy, hd.localLayers], [c1, c2, '--host', {type: 'file', path: cfg, section: 'global', line: 2}, 'applied'])
      assert.match(hd.note, new RegExp(`evaluated host directory ${c1}, not --host ${c2}: FelixHostname = "${c1}" is set by .*:2`))
      const t = await runCli(['config', 'get', 'IpInIpMtu', '--host', c2, '-c', cfg, ...via(driver)])
      assert.match(t.stdout, new RegExp(`^Host directory:\\s+evaluated host directory ${c1}, not --host ${c2}`, 'm'))
      const l = await runCli(['config', 'list', '--host', c2, '-c', cfg, ...via(driver)])
      assert.match(l.stdout.split('\n')[0], new RegExp(`^Host directory: evaluated host directory ${c1}, not --host ${c2}`))
      const lj = await runCli(['config', 'list', '--host', c2, '-c', cfg, ...via(driver), '-o', 'json'])
      assert.equal(JSON.parse(lj.stdout).hostDirectory.name, c1)
      const v = await runCli(['config', 'validate', '--host', c2, '-c', cfg, ...via(driver)])
      assert.match(v.stdout.split('\n')[0], new RegExp(`^Host directory: evaluated host directory ${c1}, not --host ${c2}`))
      const vj = await runCli(['config', 'validate', '--host', c2, '-c', cfg, ...via(driver), '-o', 'json'])
      assert.deepEqual([JSON.parse(vj.stdout).hosts, JSON.parse(vj.stdout).hostDirectory.name], [[c1], c1])
      const n = await runCli(['config', 'get', 'IpInIpMtu', '--host', c2, '-c', cfg, '--no-local', ...via(driver), '-o', 'json'])
      const nd = JSON.parse(n.stdout)
      assert.deepEqual([nd.value, nd.hostDirectory.name, nd.hostDirectory.localLayers, nd.hostDirectory.note], [1402, c2, 'ignored', null])
    })

    test(`${driver}: a host directory that does not exist: refused with a did-you-mean (exit 4) unless --create-host`, async () => {
      const typo = `${driver}-compute-0`
      const base = ['IpInIpMtu', '1400', '--layer', 'host', '--host', typo, '-c', noCfg, ...via(driver), '--yes']
      const r = await runCli(['config', 'set', ...base])
      assert.equal(r.code, 4, r.stderr)
      assert.match(r.stderr, new RegExp(`no host directory /calico/v1/host/${typo}/ yet`))
      assert.match(r.stderr, new RegExp(`did you mean ${c1} or ${c2}`))
      assert.match(r.stderr, /--create-host/)
      assert.ok(!Object.keys(await exported()).some((k) => k.startsWith(`/calico/v1/host/${typo}/`)))
      const d = await runCli(['config', 'set', ...base, '--dry-run'])
      assert.equal(d.code, 0, d.stderr)
      assert.match(d.stderr, /--create-host/)
      const c = await runCli(['config', 'set', ...base, '--create-host', '-o', 'json'])
      assert.equal(c.code, 0, c.stderr)
      assert.equal((await exported())[`/calico/v1/host/${typo}/config/IpInIpMtu`], '1400')
      await runCli(['config', 'unset', 'IpInIpMtu', '--layer', 'host', '--host', typo, '-c', noCfg, ...via(driver), '--yes'])
    })

    test(`${driver}: --force writes a global value after which Felix would not start, with the warning`, async () => {
      const base = ['--layer', 'global', '-c', noCfg, ...via(driver), '--yes']
      const refused = await runCli(['config', 'set', 'IptablesMarkMask', '0x1', ...base])
      assert.equal(refused.code, 3, refused.stderr)
      const r = await runCli(['config', 'set', 'IptablesMarkMask', '0x1', ...base, '--force', '-o', 'json'])
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stderr, /would not start.*written anyway: --force/)
      assert.equal((await exported())['/calico/v1/config/IptablesMarkMask'], '0x1')
      const u = await runCli(['config', 'unset', 'IptablesMarkMask', ...base])
      assert.equal(u.code, 0, u.stderr)
    })
  }
})

describe('config get shows the revision --if-revision takes (issue 16)', () => {
  for (const driver of ['etcdv2', 'etcdv3'] as const) {
    test(`${driver}: JSON origin.revision, wide Revision, then a compare-and-swap with it`, async () => {
      const key = '/calico/v1/config/DefaultEndpointToHostAction'
      if (driver === 'etcdv2') assert.ok((await etcd.v2('PUT', key, 'DROP')).status < 300)
      else assert.equal((await etcd.etcdctl(['put', key, 'DROP'])).code, 0)
      const args = ['DefaultEndpointToHostAction', '--host', 'node3', '-c', noCfg, ...via(driver)]
      const j = await runCli(['config', 'get', ...args, '-o', 'json'])
      assert.equal(j.code, 0, j.stderr)
      const doc = JSON.parse(j.stdout)
      assert.match(doc.origin.revision, /^[1-9]\d*$/)
      assert.deepEqual(doc.origin, {type: 'etcd', key, revision: doc.origin.revision})
      assert.equal(doc.layers.find((l: {layer: string}) => l.layer === 'global').origin.revision, doc.origin.revision)
      const w = await runCli(['config', 'get', ...args, '-o', 'wide'])
      assert.match(w.stdout, new RegExp(`^Revision:\\s+${doc.origin.revision}$`, 'm'))
      assert.match(w.stdout, /^LAYER\s+KEY\s+RAW\s+STATUS\s+ORIGIN\s+REVISION\s+NOTE$/m)
      const v = await runCli(['config', 'get', ...args, '-o', 'jsonpath={.origin.revision}'])
      assert.equal(v.stdout, doc.origin.revision)
      const set = ['config', 'set', 'DefaultEndpointToHostAction', 'RETURN', '--layer', 'global', '-c', noCfg, ...via(driver), '--yes']
      const ok = await runCli([...set, '--if-revision', doc.origin.revision])
      assert.equal(ok.code, 0, ok.stderr)
      const stale = await runCli([...set, '--if-revision', doc.origin.revision])
      assert.equal(stale.code, 7, stale.stderr)
      const un = await runCli(['config', 'unset', 'DefaultEndpointToHostAction', '--layer', 'global', '-c', noCfg, ...via(driver), '--yes'])
      assert.equal(un.code, 0, un.stderr)
    })
  }
  test('a snapshot has no revisions: the JSON is as before', async () => {
    const r = await runCli(['config', 'get', 'IpInIpMtu', '--host', 'node1', '-c', noCfg, '--snapshot', snapshot, '-o', 'json'])
    assert.deepEqual(JSON.parse(r.stdout).origin, {type: 'etcd', key: '/calico/v1/host/node1/config/IpInIpMtu'})
  })
})

describe('a refused --dry-run on etcd shows the whole plan, impact included (exit 3, nothing written)', () => {
  for (const driver of ['etcdv2', 'etcdv3'] as const) {
    const put = (k: string, v: string) => (driver === 'etcdv2' ? etcd.v2('PUT', k, v) : etcd.etcdctl(['put', k, v]))
    const del = (k: string) => (driver === 'etcdv2' ? etcd.v2('DELETE', k) : etcd.etcdctl(['del', k]))
    test(`${driver}: a global value this host's per-host key shadows; unset of it is not refused`, async () => {
      const host = `${driver}-shadow`
      const globalKey = '/calico/v1/config/IptablesRefreshInterval'
      const hostKey = `/calico/v1/host/${host}/config/IptablesRefreshInterval`
      // (not 60, the default: removing the global key then changes the value of the other hosts too)
      await put(globalKey, '45')
      await put(hostKey, '90')
      try {
        const args = ['config', 'set', 'IptablesRefreshInterval', '30', '--layer', 'global', '--host', host, '-c', noCfg, ...via(driver), '--dry-run']
        const json = await runCli([...args, '-o', 'json'])
        assert.equal(json.code, 3, json.stderr)
        assert.match(json.stderr, new RegExp(`^Error: IptablesRefreshInterval "30" in global etcd is shadowed by per-host etcd \\(${hostKey}\\): the effective value on ${host} stays "90"; nothing was written$`, 'm'))
        const doc = JSON.parse(json.stdout)
        assert.deepEqual([doc.target, doc.previous, doc.value, doc.written, doc.dryRun], [globalKey, '45', '30', false, true])
        assert.deepEqual(doc.actions, [`change ${globalKey} = "30"`])
        // The impact: every host without an override of its own restarts with the new value; this one does not.
        assert.ok(doc.impact.hosts >= 3, JSON.stringify(doc.impact))
        assert.ok(doc.impact.valueChanged.includes("node1"), JSON.stringify(doc))
        assert.ok(!doc.impact.restart.includes(host), JSON.stringify(doc.impact))
        assert.deepEqual(doc.diagnostics.filter((d: {severity: string}) => d.severity === 'error').map((d: {code: string}) => d.code), ['write-shadowed'])
        // The plan is the one --force --dry-run shows (only the refusal and --force's warning differ).
        const forced = JSON.parse((await runCli([...args, '--force', '-o', 'json'])).stdout)
        const plan = (d: Record<string, unknown>) => ({...d, warnings: undefined, diagnostics: undefined})
        assert.deepEqual(plan(doc), plan(forced))
        const text = await runCli(args)
        assert.equal(text.code, 3, text.stderr)
        assert.match(text.stdout, /^would do:\n {2}change \/calico\/v1\/config\/IptablesRefreshInterval = "30"$/m)
        assert.match(text.stdout, new RegExp(`^impact on ${doc.impact.hosts} host directories under /calico/v1/host/`, 'm'))
        assert.match(text.stdout, /^dry run: nothing written; the write would be refused \(write-shadowed: see the error\)$/m)
        const exported = JSON.parse((await runCli(['datastore', 'export', '-c', noCfg, ...via(driver)])).stdout)
        assert.deepEqual([exported[globalKey], exported[hostKey]], ['45', '90'])
        // Removing the shadowed global value is not refused: this host keeps 90 (a note says so), the others change.
        const u = await runCli(['config', 'unset', 'IptablesRefreshInterval', '--layer', 'global', '--host', host, '-c', noCfg, ...via(driver), '--dry-run', '-o', 'json'])
        assert.equal(u.code, 0, u.stderr)
        assert.match(u.stderr, new RegExp(`^note: the effective value of IptablesRefreshInterval on ${host} does not change \\(it comes from per-host etcd\\)$`, 'm'))
        const ud = JSON.parse(u.stdout)
        assert.deepEqual([ud.actions, ud.after.value, ud.after.source, ud.written], [[`delete ${globalKey}`], 90, 'host', false])
        assert.ok(ud.impact.valueChanged.includes('node1'), JSON.stringify(ud.impact))
      } finally {
        await del(hostKey)
        await del(globalKey)
      }
    })
  }
})
