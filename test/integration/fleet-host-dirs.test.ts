/**
 * Host directories without config keys, and the v3 note, against a real etcd (v2 and v3 key spaces).
 *
 * A host directory under /calico/v1/host/ that holds no config key (node5: only BIRD's address;
 * node9: only a workload) is a host all the same: Felix there runs with no per-host keys, on the
 * global layer alone. Every fleet view lists it (sorted with the others) with what the full
 * resolver gives such a host; `datastore export` keeps it, so the snapshot's views are etcd's.
 *
 *   global: IpInIpMtu=1400  LogSeverityScreen=WARNING  Bogus=x (unknown: a warning, reported once)
 *   node1:  IpInIpMtu=1420
 *   node2:  DefaultEndpointToHostAction=BOGUS   -> Felix would not start (exit 3 for the fleet views)
 *   node5:  bird_ip only;  node9: a workload only
 *
 * Every command that reads Felix's configuration from the v3 store says once, on stderr (and in
 * the document's diagnostics where it has them), that Felix 2.0 does not read it; over v2 none does.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {EtcdInstance, startEtcd} from '../helpers/etcd.js'
import {runCli} from '../helpers/cli.js'
import {configDiff, configGetAllHosts, configListAllHosts, FleetOptions} from '../../src/services/config-fleet.js'
import {renderFleetDiff, renderFleetGet, renderFleetList} from '../../src/render/fleet.js'
import {V3_NOTE} from '../../src/services/felix-datastore.js'
import {openDatastore} from '../../src/datastore/index.js'
import {inScope} from '../../src/datastore/types.js'
// @ts-expect-error: plain JavaScript without declarations, shared with the benchmark
import {seedV2, seedV3} from '../../bench/seed.mjs'

const FLEET: Record<string, string> = {
  '/calico/v1/Ready': 'true',
  '/calico/v1/config/IpInIpMtu': '1400',
  '/calico/v1/config/LogSeverityScreen': 'WARNING',
  '/calico/v1/config/Bogus': 'x',
  '/calico/v1/host/node1/config/IpInIpMtu': '1420',
  '/calico/v1/host/node2/config/DefaultEndpointToHostAction': 'BOGUS',
  '/calico/v1/host/node5/bird_ip': '10.0.0.5',
  '/calico/v1/host/node9/workload/k8s/default.pod9/endpoint/eth0': '{"state":"active"}',
}
const HOSTS = ['node1', 'node2', 'node5', 'node9']

let etcd: EtcdInstance
let dir: string
let cfg: string

before(async () => {
  etcd = await startEtcd()
  dir = mkdtempSync(join(tmpdir(), 'felixctl-hostdirs-'))
  cfg = join(dir, 'empty.cfg')
  writeFileSync(cfg, '')
  await seedV3(etcd.clientUrl, Object.entries(FLEET))
  await seedV2(etcd.clientUrl, Object.entries(FLEET))
})

after(async () => {
  await etcd?.stop()
  if (dir) rmSync(dir, {recursive: true, force: true})
})

type Doc = {diagnostics?: {message: string}[]; readFrom?: unknown; [k: string]: unknown}

/** The v3 note's lines on stderr, and in the document's diagnostics. */
function notes(stderr: string, doc?: Doc): {stderr: number; document: number} {
  return {stderr: stderr.split('\n').filter((l) => l === V3_NOTE).length, document: doc?.diagnostics?.filter((d) => d.message === V3_NOTE.replace(/^note: /, '') || d.message === V3_NOTE).length ?? 0}
}

/** Without where it was read from, the v3 note and the hints (commands that name the source): what the views say about the fleet. */
function fleetPart(doc: Doc): unknown {
  const {readFrom: _readFrom, diagnostics, ...rest} = doc
  const noHints = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(noHints) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'hint').map(([k, x]) => [k, noHints(x)])) : v
  return noHints({...rest, diagnostics: diagnostics?.filter((d) => !d.message.includes('Felix 2.0 reads etcd through the v2 API'))})
}

for (const datastoreType of ['etcdv2', 'etcdv3'] as const) {
  const conn = () => ['--datastore-type', datastoreType, '--etcd-endpoints', etcd.clientUrl, '--etcd-timeout', '10s', '-c', cfg]
  const opts = (): FleetOptions => ({datastoreType, etcdEndpoints: [etcd.clientUrl], configFile: cfg, processEnv: {}, timeoutMs: 10000, fast: false})
  const cli = async (args: string[], codes = [0, 3]) => {
    const r = await runCli([...args, ...conn()], {cleanEnv: true, timeoutMs: 60000})
    assert.ok(codes.includes(r.code ?? -1), `${args.join(' ')}: exit ${r.code}\n${r.stderr}`)
    return r
  }

  describe(`host directories without config keys over ${datastoreType}`, () => {
    test('config list --all-hosts: every host directory, the keyless ones with the global row; = the full resolver', async () => {
      for (const all of [false, true]) {
        const r = await cli(['config', 'list', '--all-hosts', ...(all ? ['--all'] : []), '-o', 'json'], [3])
        const doc = JSON.parse(r.stdout)
        assert.deepEqual(doc.hosts.map((h: {host: string}) => h.host), HOSTS)
        assert.deepEqual(doc.stopped, ['node2'])
        const want = JSON.parse(await renderFleetList(await configListAllHosts({...opts(), all} as FleetOptions), 'json'))
        assert.deepEqual(doc, want)
        for (const h of doc.hosts.slice(2)) {
          assert.deepEqual([h.fatal, h.diagnostics, h.own], [null, [], null], h.host)
          // Every cell the global one (with --all), none without.
          assert.deepEqual(h.params.map((c: {name: string; value: unknown; source: string}) => [c.name, c.value, c.source]), all ? doc.global.params.map((c: {name: string; value: unknown; source: string}) => [c.name, c.value, c.source]) : [])
        }
      }
      const t = await cli(['config', 'list', '--all-hosts'], [3])
      assert.match(t.stdout, /^4 host directories;/m)
    })

    test('config get NAME --all-hosts: counted and grouped with the hosts that take the global value', async () => {
      const r = await cli(['config', 'get', 'IpInIpMtu', '--all-hosts', '-o', 'json'], [3])
      const doc = JSON.parse(r.stdout)
      assert.deepEqual(doc, JSON.parse(await renderFleetGet(await configGetAllHosts('IpInIpMtu', opts()), 'json')))
      assert.equal(doc.hostCount, 4)
      assert.deepEqual(doc.groups.map((g: {value: unknown; hosts: string[]; sources: object; fatal: boolean}) => [g.fatal, g.value, g.hosts, g.sources]), [
        [false, 1400, ['node5', 'node9'], {global: 2}],
        [false, 1420, ['node1'], {host: 1}],
        [true, null, ['node2'], {}],
      ])
    })

    test('a read of named host directories (config diff) = the whole read filtered to them: their config keys, and which of them exist', async () => {
      const ds = await openDatastore({type: datastoreType, endpoints: [etcd.clientUrl], timeoutMs: 10000})
      try {
        const whole = await ds.readConfig()
        for (const hosts of [['node1'], ['node1', 'node2'], ['node5', 'node9'], ['node7'], ['node1', 'node7'], ['node'], ['node9', 'node5', 'node1']]) {
          const part = await ds.readConfig({hosts})
          assert.deepEqual(part.kvs.map((kv) => [kv.key, kv.value, kv.revision]), whole.kvs.filter((kv) => inScope(kv.key, {hosts})).map((kv) => [kv.key, kv.value, kv.revision]), hosts.join(' '))
          assert.deepEqual(part.hostDirs, whole.hostDirs!.filter((h) => hosts.includes(h)), hosts.join(' '))
          assert.equal(part.ready, 'true')
        }
        // One host with the names of every host directory (the impact of a per-host write).
        for (const host of ['node1', 'node5', 'node7']) {
          const part = await ds.readConfig({host, listHostDirs: true})
          assert.deepEqual(part.kvs.map((kv) => [kv.key, kv.value, kv.revision]), whole.kvs.filter((kv) => inScope(kv.key, {host})).map((kv) => [kv.key, kv.value, kv.revision]), host)
          assert.deepEqual(part.hostDirs, whole.hostDirs, host)
          assert.equal((await ds.readConfig({host})).hostDirs, undefined)
        }
      } finally {
        await ds.close()
      }
    })

    test('a plain key where a host directory would be (/calico/v1/host/pk): no host directory, as the whole read says, not a read error (v2: errorCode 104)', async () => {
      const key = '/calico/v1/host/pk'
      const put = datastoreType === 'etcdv2' ? () => etcd.v2('PUT', key, 'v') : () => etcd.etcdctl(['put', key, 'v'])
      const del = datastoreType === 'etcdv2' ? () => etcd.v2('DELETE', key) : () => etcd.etcdctl(['del', key])
      await put()
      try {
        const ds = await openDatastore({type: datastoreType, endpoints: [etcd.clientUrl], timeoutMs: 10000})
        try {
          const whole = await ds.readConfig()
          assert.ok(!whole.hostDirs!.includes('pk'))
          for (const hosts of [['pk'], ['node1', 'pk']]) {
            const part = await ds.readConfig({hosts})
            assert.deepEqual(part.kvs, whole.kvs.filter((kv) => inScope(kv.key, {hosts})), hosts.join(' '))
            assert.deepEqual(part.hostDirs, whole.hostDirs!.filter((h) => hosts.includes(h)), hosts.join(' '))
          }
          if (datastoreType === 'etcdv3') {
            const one = await ds.readConfig({host: 'pk', listHostDirs: true})
            assert.deepEqual([one.kvs, one.hostDirs], [whole.kvs.filter((kv) => inScope(kv.key, {host: 'pk'})), whole.hostDirs])
          } else {
            // One host's own read fails as Felix's does (libcalico-go: "Not a directory" is a datastore error, not "no keys").
            await assert.rejects(ds.readConfig({host: 'pk', listHostDirs: true}), /Not a directory/)
          }
        } finally {
          await ds.close()
        }
        for (const hosts of [['pk'], ['node1', 'pk']]) {
          const r = await cli(['config', 'diff', ...hosts.flatMap((h) => ['--host', h])], [4])
          assert.match(r.stderr, /no host directory "pk" under \/calico\/v1\/host\//)
        }
        const w = await cli(['config', 'set', 'IpInIpMtu', '1500', '--layer', 'host', '--host', 'pk', '--no-local', '--dry-run', '-o', 'json'], [0, 5])
        if (datastoreType === 'etcdv3') {
          const plan = JSON.parse(w.stdout)
          assert.deepEqual([w.code, plan.previous, plan.newHost?.host, plan.impact.hosts, plan.impact.restart], [0, null, 'pk', HOSTS.length + 1, ['pk']])
        } else {
          // v2: what Felix on pk would get reading its directory (config get --host pk says the same).
          assert.equal(w.code, 5, w.stderr)
          assert.match(w.stderr, /Not a directory/)
          const g = await cli(['config', 'get', 'IpInIpMtu', '--host', 'pk', '--no-local'], [5])
          assert.match(g.stderr, /Not a directory[^]*Hint: \/calico\/v1\/host\/pk holds a value where a directory belongs/)
        }
      } finally {
        await del()
      }
    })

    test('a host directory named _x: etcd v2 hides it from the listing, so config diff --host _x says what config list --all-hosts says (v3: a host like any other)', async () => {
      const key = '/calico/v1/host/_hid/config/IpInIpMtu'
      const put = datastoreType === 'etcdv2' ? () => etcd.v2('PUT', key, '1490') : () => etcd.etcdctl(['put', key, '1490'])
      const del = datastoreType === 'etcdv2' ? () => etcd.v2('DELETE', '/calico/v1/host/_hid', undefined, 'recursive=true') : () => etcd.etcdctl(['del', '--prefix', '/calico/v1/host/_hid/'])
      await put()
      try {
        const list = JSON.parse((await cli(['config', 'list', '--all-hosts', '-o', 'json'], [3])).stdout)
        const listed = list.hosts.some((h: {host: string}) => h.host === '_hid')
        assert.equal(listed, datastoreType === 'etcdv3')
        for (const hosts of [['_hid'], ['node1', '_hid']]) {
          const r = await cli(['config', 'diff', ...hosts.flatMap((h) => ['--host', h]), '-o', 'json'], [0, 4])
          assert.equal(r.code, listed ? 0 : 4, `${hosts.join(' ')}: ${r.stderr}`)
          if (!listed) assert.match(r.stderr, /no host directory "_hid" under \/calico\/v1\/host\//)
        }
      } finally {
        await del()
      }
    })

    test('config diff --host on a keyless directory: against global nothing differs; against another host, that host\'s keys', async () => {
      for (const hosts of [['node5'], ['node9'], ['node1', 'node5'], ['node5', 'node9'], ['node2', 'node9']]) {
        const r = await cli(['config', 'diff', ...hosts.flatMap((h) => ['--host', h]), '-o', 'json'])
        assert.equal(r.code, hosts.includes('node2') ? 3 : 0, r.stderr)
        assert.deepEqual(JSON.parse(r.stdout), JSON.parse(await renderFleetDiff(await configDiff(hosts, opts()), 'json')), hosts.join(' '))
      }
      const g5 = JSON.parse((await cli(['config', 'diff', '--host', 'node5', '-o', 'json'])).stdout)
      assert.deepEqual([g5.a.fatal, g5.a.diagnostics, g5.differences], [null, [], []])
      const n15 = JSON.parse((await cli(['config', 'diff', '--host', 'node1', '--host', 'node5', '-o', 'json'])).stdout)
      assert.deepEqual(n15.differences.map((d: {name: string; a: {value: unknown}; b: {value: unknown; source: string}}) => [d.name, d.a.value, d.b.value, d.b.source]), [['IpInIpMtu', 1420, 1400, 'global']])
      // A directory that does not exist at all is still exit 4, naming how many there are.
      const none = await cli(['config', 'diff', '--host', 'node7'], [4])
      assert.match(none.stderr, /^Error: no host directory "node7" under \/calico\/v1\/host\/ \(4 host directories\)$/m)
    })

    test('config validate --all-hosts: every host directory checked; the global warning once', async () => {
      const r = await cli(['config', 'validate', '--all-hosts', '-o', 'json'], [3])
      const doc = JSON.parse(r.stdout)
      assert.deepEqual(doc.hosts, HOSTS)
      assert.deepEqual(doc.stopped, ['node2'])
      assert.deepEqual(doc.problems.filter((p: {origin: {key?: string} | null}) => p.origin?.key === '/calico/v1/config/Bogus').map((p: {code: string; host: string | null}) => [p.code, p.host]), [['unknown-param', null]])
      // A keyless host has no problem of its own.
      assert.deepEqual(doc.problems.filter((p: {host: string | null}) => p.host === 'node5' || p.host === 'node9'), [])
    })

    test('config set --layer host: a keyless directory exists already (no --create-host); a missing one is new', async () => {
      for (const host of ['node5', 'node9']) {
        const r = await cli(['config', 'set', 'IpInIpMtu', '1440', '--layer', 'host', '--host', host, '--dry-run', '-o', 'json'], [0])
        const doc = JSON.parse(r.stdout)
        assert.deepEqual([doc.target, doc.newHost], [`/calico/v1/host/${host}/config/IpInIpMtu`, null], r.stderr)
        assert.doesNotMatch(r.stderr, /--create-host/)
        // Only that host's Felix restarts, out of every host directory.
        assert.deepEqual([doc.impact.hosts, doc.impact.restart, doc.impact.valueChanged], [4, [host], [host]])
      }
      const r = await cli(['config', 'set', 'IpInIpMtu', '1440', '--layer', 'host', '--host', 'node6', '--dry-run', '-o', 'json'], [0])
      const newHost = JSON.parse(r.stdout).newHost
      assert.deepEqual([newHost.host, newHost.hostCount], ['node6', 4])
      // Keyless directories are among the suggestions.
      assert.ok(newHost.suggestions.includes('node5'), JSON.stringify(newHost))
      assert.match(r.stderr, /no host directory \/calico\/v1\/host\/node6\/ yet \(4 host directories\); did you mean .*; the write would need --create-host/)
      const refused = await cli(['config', 'set', 'IpInIpMtu', '1440', '--layer', 'host', '--host', 'node6', '--yes'], [4])
      assert.match(refused.stderr, /no host directory \/calico\/v1\/host\/node6\/ yet/)
    })

    test('datastore export keeps the keyless directories; the snapshot\'s fleet views are etcd\'s', async () => {
      const e = await cli(['datastore', 'export'], [0])
      const exported = JSON.parse(e.stdout)
      assert.deepEqual(Object.keys(exported).filter((k) => k.startsWith('/calico/v1/host/')), [
        '/calico/v1/host/node1/config/IpInIpMtu',
        '/calico/v1/host/node2/config/DefaultEndpointToHostAction',
        '/calico/v1/host/node5/',
        '/calico/v1/host/node9/',
      ])
      assert.equal(exported['/calico/v1/host/node5/'], '')
      const snap = join(dir, `${datastoreType}.json`)
      writeFileSync(snap, e.stdout)
      for (const args of [['config', 'list', '--all-hosts', '--all'], ['config', 'get', 'LogSeverityScreen', '--all-hosts'], ['config', 'diff', '--host', 'node9'], ['config', 'validate', '--all-hosts']]) {
        const live = await cli([...args, '-o', 'json'])
        const offline = await runCli([...args, '-o', 'json', '--snapshot', snap, '-c', cfg], {cleanEnv: true})
        assert.equal(offline.code, live.code, offline.stderr)
        assert.deepEqual(fleetPart(JSON.parse(offline.stdout)), fleetPart(JSON.parse(live.stdout)), args.join(' '))
      }
    })
  })

  describe(`the v3 note over ${datastoreType}`, () => {
    const once = datastoreType === 'etcdv3' ? 1 : 0
    test('fleet views, validate and migrate: once on stderr, once in the document', async () => {
      const commands = [
        ['config', 'list', '--all-hosts'],
        ['config', 'get', 'IpInIpMtu', '--all-hosts'],
        ['config', 'diff', '--host', 'node5'],
        ['config', 'diff', '--host', 'node1', '--host', 'node9'],
        ['config', 'validate', '--all-hosts'],
        ['config', 'validate', '--host', 'node1'],
        ['config', 'list', '--host', 'node5'],
        ['config', 'get', 'IpInIpMtu', '--host', 'node1'],
      ]
      for (const args of commands) {
        const json = await cli([...args, '-o', 'json'])
        assert.deepEqual(notes(json.stderr, JSON.parse(json.stdout)), {stderr: once, document: once}, `${args.join(' ')} -o json\n${json.stderr}`)
        const text = await cli(args)
        assert.equal(notes(text.stderr).stderr, once, `${args.join(' ')}\n${text.stderr}`)
        assert.ok(!text.stdout.includes('Felix 2.0 reads etcd through the v2 API'), 'not on stdout')
      }
      // The resources go to stdout; the note with the report, on stderr.
      const migrate = await cli(['config', 'migrate', '-o', 'json'], [0, 3])
      assert.equal(notes(migrate.stderr).stderr, once, migrate.stderr)
      assert.ok(!migrate.stdout.includes('Felix 2.0 reads etcd'))
    })

    test('datastore export, config set --dry-run and config watch: once on stderr', async () => {
      const e = await cli(['datastore', 'export'], [0])
      assert.equal(notes(e.stderr).stderr, once, e.stderr)
      assert.ok(!e.stdout.includes('Felix 2.0 reads etcd'))
      const set = await cli(['config', 'set', 'LogSeverityScreen', 'info', '--layer', 'global', '--dry-run', '-o', 'json'], [0])
      assert.equal(notes(set.stderr).stderr, once, set.stderr)
      const watch = await cli(['config', 'watch', '--for', '1s', '-o', 'json'], [0])
      assert.equal(notes(watch.stderr).stderr, once, watch.stderr)
      const start = JSON.parse(watch.stdout.split('\n')[0])
      assert.equal(start.type, 'start')
      // config watch counts every host directory, as the fleet views list them.
      assert.equal(start.hosts, HOSTS.length)
      assert.ok(!watch.stdout.includes('Felix 2.0 reads etcd'))
    })
  })
}
