/**
 * Fleet views against a real etcd (one per file), v2 and v3 key spaces, on a small fleet
 * whose results are computed by hand below (docs/reference/felix-2.0-config.md §3–§5).
 *
 *   global:  LogSeverityFile=INFO  IpInIpMtu=1400  InterfacePrefix=cali  logseverityscreen=WARNING (spelt
 *            non-canonically: §4, it overrides every higher layer that spells it LogSeverityScreen)
 *   node1:   IpInIpMtu=1420  LogSeverityFile=DEBUG                  -> two differences
 *   node2:   IpInIpMtu=1400 (same value)  LogSeverityScreen=DEBUG   -> none: the MTU is equal, the
 *            screen level is overridden by the global non-canonical key (WARNING, source global,
 *            diagnostic non-canonical-override)
 *   node3:   IpInIpMtu=1420  ReportingIntervalSecs=thirty           -> MTU differs; "thirty" is invalid,
 *            Felix uses the default 30, which is also the global value: no difference, one diagnostic
 *   node4:   DefaultEndpointToHostAction=BOGUS                      -> fatal (DROP|RETURN|ACCEPT, D), stage datastore
 *   node5:   EtcdAddr=1.2.3.4:2379                                  -> local-only: ignored, one diagnostic
 *   node6:   IpInIpMtu=1500  iptablesmarkmask=0x1                   -> fatal (invalid mark, D), stage datastore. What
 *            Felix reports (§5): raw values and sources of the global pass (IpInIpMtu raw "1400", source global),
 *            typed values never reset: the host pass reached IpInIpMtu ("IpInIpMtu" < "iptablesmarkmask")
 *            before the fatal key, so its value is 1500. The fleet views add the directory's own raw keys:
 *            IpInIpMtu=1500, IptablesMarkMask (spelt iptablesmarkmask)=0x1.
 *   node9:   workloads only, no config key                          -> a host all the same: Felix there runs on the
 *            global layer alone, so it gets the global row (no difference, no diagnostic)
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {EtcdInstance, startEtcd} from '../helpers/etcd.js'
import {configDiff, configGetAllHosts, configListAllHosts, FleetOptions} from '../../src/services/config-fleet.js'
import {NotFoundError, UsageError} from '../../src/errors.js'

const FLEET: Record<string, string> = {
  '/calico/v1/Ready': 'true',
  '/calico/v1/config/LogSeverityFile': 'INFO',
  '/calico/v1/config/IpInIpMtu': '1400',
  '/calico/v1/config/InterfacePrefix': 'cali',
  '/calico/v1/config/logseverityscreen': 'WARNING',
  '/calico/v1/host/node1/config/IpInIpMtu': '1420',
  '/calico/v1/host/node1/config/LogSeverityFile': 'DEBUG',
  '/calico/v1/host/node2/config/IpInIpMtu': '1400',
  '/calico/v1/host/node2/config/LogSeverityScreen': 'DEBUG',
  '/calico/v1/host/node3/config/IpInIpMtu': '1420',
  '/calico/v1/host/node3/config/ReportingIntervalSecs': 'thirty',
  '/calico/v1/host/node4/config/DefaultEndpointToHostAction': 'BOGUS',
  '/calico/v1/host/node5/config/EtcdAddr': '1.2.3.4:2379',
  '/calico/v1/host/node6/config/IpInIpMtu': '1500',
  '/calico/v1/host/node6/config/iptablesmarkmask': '0x1',
  // Not config: a workload key in a host directory, and a host directory with workloads only.
  '/calico/v1/host/node1/workload/k8s/pod1/endpoint/eth0': '{}',
  '/calico/v1/host/node9/workload/k8s/pod2/endpoint/eth0': '{}',
}

let etcd: EtcdInstance
let dir: string

before(async () => {
  etcd = await startEtcd()
  dir = mkdtempSync(join(tmpdir(), 'felixctl-fleet-'))
  writeFileSync(join(dir, 'absent.cfg'), '') // an explicitly named config file must exist
  for (const [k, v] of Object.entries(FLEET)) {
    const r3 = await etcd.etcdctl(['put', k, v])
    assert.equal(r3.code, 0, r3.stderr)
    const r2 = await etcd.v2('PUT', k, v)
    assert.ok(r2.status === 200 || r2.status === 201, r2.body)
  }
})

after(async () => {
  await etcd?.stop()
  if (dir) rmSync(dir, {recursive: true, force: true})
})

for (const datastoreType of ['etcdv2', 'etcdv3'] as const) {
  const opts = (extra: Partial<FleetOptions> & {all?: boolean} = {}): FleetOptions & {all?: boolean} => ({
    datastoreType,
    etcdEndpoints: [etcd.clientUrl],
    configFile: join(dir, 'absent.cfg'),
    processEnv: {},
    timeoutMs: 10000,
    ...extra,
  })

  describe(`fleet views over ${datastoreType}`, () => {
    test('list --all-hosts: the matrix of values that differ from global', async () => {
      const r = await configListAllHosts(opts())
      assert.equal(r.readFrom.kind, datastoreType)
      assert.equal(r.localLayers, 'hidden')
      assert.deepEqual(r.hosts.map((h) => h.host), ['node1', 'node2', 'node3', 'node4', 'node5', 'node6', 'node9'])
      const matrix = Object.fromEntries(r.hosts.map((h) => [h.host, Object.fromEntries(h.cells.map((c) => [c.name, `${c.value}<-${c.source}`]))]))
      assert.deepEqual(matrix, {
        node1: {LogSeverityFile: 'DEBUG<-host', IpInIpMtu: '1420<-host'},
        node2: {},
        node3: {IpInIpMtu: '1420<-host'},
        node4: {},
        node5: {},
        node6: {IpInIpMtu: '1500<-global'},
        node9: {},
      })
      const node1 = r.hosts[0].cells.find((c) => c.name === 'IpInIpMtu')!
      assert.deepEqual(node1.origin, {type: 'etcd', key: '/calico/v1/host/node1/config/IpInIpMtu'})
      assert.equal(node1.global, 1400)
      // Global values: what a host without a host directory gets.
      const g = Object.fromEntries(r.global.cells.map((c) => [c.name, c]))
      assert.equal(g.LogSeverityScreen.value, 'WARNING')
      assert.equal(g.LogSeverityScreen.source, 'global')
      assert.equal(g.ReportingIntervalSecs.source, 'default')
      assert.equal(r.global.fatal, null)
      assert.equal(r.global.own, null)
      // Fatal on node4 and node6; each host's own diagnostics (node2: the global spelling overrides its key).
      assert.deepEqual(r.hosts.map((h) => h.fatal?.param ?? null), [null, null, null, 'DefaultEndpointToHostAction', null, 'IptablesMarkMask', null])
      assert.deepEqual(r.hosts.map((h) => h.diagnostics.map((d) => d.code)), [
        [],
        ['non-canonical-override'],
        ['invalid-value'],
        ['fatal-value', 'values-after-datastore-failure'],
        ['local-only-in-etcd'],
        ['fatal-value', 'values-after-datastore-failure'],
        [],
      ])
      // A fatal host's own directory, raw and as spelt (registry order); nothing for hosts that start.
      assert.deepEqual(r.hosts.map((h) => h.own?.map((o) => `${o.name}/${o.key}=${o.raw}@${o.origin.type === 'etcd' ? o.origin.key : ''}`) ?? null), [
        null,
        null,
        null,
        ['DefaultEndpointToHostAction/DefaultEndpointToHostAction=BOGUS@/calico/v1/host/node4/config/DefaultEndpointToHostAction'],
        null,
        ['IpInIpMtu/IpInIpMtu=1500@/calico/v1/host/node6/config/IpInIpMtu', 'IptablesMarkMask/iptablesmarkmask=0x1@/calico/v1/host/node6/config/iptablesmarkmask'],
        null,
      ])
      assert.match(r.hosts[1].diagnostics[0].message, /overrides \/calico\/v1\/host\/node2\/config\/LogSeverityScreen/)
      assert.equal(r.hosts[2].diagnostics[0].origin?.key, '/calico/v1/host/node3/config/ReportingIntervalSecs')
    })

    test('list --all-hosts --all --param: every value of the named parameters', async () => {
      const r = await configListAllHosts(opts({all: true, params: ['logseverityscreen', 'IpInIpMtu']}))
      assert.deepEqual(r.params, ['LogSeverityScreen', 'IpInIpMtu'])
      const rows = r.hosts.map((h) => `${h.host}:${h.cells.map((c) => `${c.name}=${c.value}/${c.source}`).join(',')}`)
      assert.deepEqual(rows, [
        'node1:LogSeverityScreen=WARNING/global,IpInIpMtu=1420/host',
        'node2:LogSeverityScreen=WARNING/global,IpInIpMtu=1400/host',
        'node3:LogSeverityScreen=WARNING/global,IpInIpMtu=1420/host',
        'node4:LogSeverityScreen=WARNING/global,IpInIpMtu=1400/global',
        'node5:LogSeverityScreen=WARNING/global,IpInIpMtu=1400/global',
        'node6:LogSeverityScreen=WARNING/global,IpInIpMtu=1500/global',
        'node9:LogSeverityScreen=WARNING/global,IpInIpMtu=1400/global',
      ])
      // --param limits a fatal host's own keys to the compared parameters.
      assert.deepEqual(r.hosts[5].own?.map((o) => o.key), ['IpInIpMtu'])
      assert.deepEqual(r.hosts[3].own, [])
    })

    test('get --all-hosts: values grouped with counts and sources', async () => {
      const r = await configGetAllHosts('ipinipmtu', opts())
      assert.equal(r.name, 'IpInIpMtu')
      assert.equal(r.hostCount, 7)
      assert.deepEqual(r.global.value, 1400)
      // Hosts whose Felix would not start are grouped apart, by the raw value their directory holds
      // (node4: none; node6: "1500"), after the value groups; equal counts by key ("" < '["1500"]').
      assert.deepEqual(
        r.groups.map((g) => ({fatal: g.fatal, value: g.value, raws: g.raws, count: g.count, sources: g.sources, hosts: g.hosts})),
        [
          {fatal: false, value: 1400, raws: ['1400'], count: 3, sources: {host: 1, global: 2}, hosts: ['node2', 'node5', 'node9']},
          {fatal: false, value: 1420, raws: ['1420'], count: 2, sources: {host: 2}, hosts: ['node1', 'node3']},
          {fatal: true, value: null, raws: [], count: 1, sources: {}, hosts: ['node4']},
          {fatal: true, value: null, raws: ['1500'], count: 1, sources: {host: 1}, hosts: ['node6']},
        ],
      )
      assert.deepEqual(r.fatal.map((f) => [f.host, f.fatal.param, f.own.map((o) => `${o.key}=${o.raw}`)]), [
        ['node4', 'DefaultEndpointToHostAction', []],
        ['node6', 'IptablesMarkMask', ['IpInIpMtu=1500']],
      ])
      // The reviewers' case: the fatal value itself, in its own group, as the directory spells it.
      const mask = await configGetAllHosts('IptablesMarkMask', opts())
      assert.deepEqual(mask.groups.map((g) => [g.fatal, g.value, g.raws, g.count, g.hosts]), [
        [false, 0xff000000, ['0xff000000'], 5, ['node1', 'node2', 'node3', 'node5', 'node9']],
        [true, null, [], 1, ['node4']],
        [true, null, ['0x1'], 1, ['node6']],
      ])
      assert.equal(mask.fatal[1].own[0].key, 'iptablesmarkmask')
      // The global non-canonical spelling shadows node2's own value: a global change reaches every host.
      const screen = await configGetAllHosts('LogSeverityScreen', opts())
      assert.deepEqual(screen.groups.map((g) => [g.value, g.count, g.sources]), [['WARNING', 5, {global: 5}], [null, 2, {}]])
    })

    test('diff --host A --host B and --host A against global', async () => {
      const r = await configDiff(['node1', 'node2'], opts())
      assert.deepEqual(
        r.differences.map((d) => [d.name, d.a.value, d.a.source, d.b.value, d.b.source, d.valueDiffers, d.aOwn, d.bOwn]),
        [
          ['LogSeverityFile', 'DEBUG', 'host', 'INFO', 'global', true, null, null],
          ['IpInIpMtu', 1420, 'host', 1400, 'host', true, null, null],
        ],
      )
      assert.equal(r.a.own, null)
      assert.equal(r.b.own, null)
      // A fatal side: a row for every compared parameter its directory sets, with the raw value it holds,
      // even where the values Felix reports agree (IptablesMarkMask: the default on both sides).
      const n6 = await configDiff(['node1', 'node6'], opts())
      assert.deepEqual(
        n6.differences.map((d) => [d.name, d.a.value, d.a.source, d.b.value, d.b.source, d.valueDiffers, d.aOwn, d.bOwn]),
        [
          ['LogSeverityFile', 'DEBUG', 'host', 'INFO', 'global', true, null, null],
          ['IpInIpMtu', 1420, 'host', 1500, 'global', true, null, ['1500']],
          ['IptablesMarkMask', 0xff000000, 'default', 0xff000000, 'default', false, null, ['0x1']],
        ],
      )
      assert.deepEqual(n6.b.own?.map((o) => `${o.key}=${o.raw}`), ['IpInIpMtu=1500', 'iptablesmarkmask=0x1'])
      const n6g = await configDiff(['node6'], opts())
      assert.deepEqual(n6g.differences.map((d) => [d.name, d.aOwn, d.bOwn]), [['IpInIpMtu', ['1500'], null], ['IptablesMarkMask', ['0x1'], null]])
      assert.equal(n6g.b.own, null)
      const g = await configDiff(['node2'], opts())
      assert.equal(g.b.host, null)
      // Same value, different source: node2 pins the MTU, so a global change would not reach it.
      assert.deepEqual(g.differences.map((d) => [d.name, d.a.source, d.b.source, d.valueDiffers]), [['IpInIpMtu', 'host', 'global', false]])
      const f = await configDiff(['node4', 'node5'], opts())
      assert.equal(f.a.fatal?.stage, 'datastore')
      assert.equal(f.b.fatal, null)
    })

    test('a host directory without config keys is compared as the global layer alone; one that does not exist is exit 4 with a suggestion', async () => {
      const g9 = await configDiff(['node9'], opts())
      assert.deepEqual([g9.a.host, g9.a.fatal, g9.a.diagnostics, g9.differences], ['node9', null, [], []])
      const n19 = await configDiff(['node1', 'node9'], opts())
      assert.deepEqual(n19.differences.map((d) => [d.name, d.a.value, d.a.source, d.b.value, d.b.source]), [
        ['LogSeverityFile', 'DEBUG', 'host', 'INFO', 'global'],
        ['IpInIpMtu', 1420, 'host', 1400, 'global'],
      ])
      await assert.rejects(configDiff(['node1', 'node7'], opts()), (e: unknown) => e instanceof NotFoundError && e.message === 'no host directory "node7" under /calico/v1/host/ (7 host directories)')
      await assert.rejects(configDiff(['nod1'], opts()), (e: unknown) => e instanceof NotFoundError && /node1/.test(e.hint ?? ''))
      await assert.rejects(configListAllHosts(opts({params: ['EtcdAddr']})), (e: unknown) => e instanceof UsageError && /local-only/.test(e.message))
    })

    test('--with-local: this machine env and file apply to every host, FelixHostname excepted', async () => {
      const cfg = join(dir, `felix-${datastoreType}.cfg`)
      writeFileSync(cfg, '[global]\nLogSeverityFile = ERROR\nFelixHostname = node1\n')
      const r = await configListAllHosts(opts({withLocal: true, configFile: cfg, processEnv: {FELIX_IPINIPMTU: '1500'}}))
      assert.equal(r.localLayers, 'applied')
      // env and file win everywhere: nothing differs from the (equally overridden) global row.
      assert.deepEqual(r.hosts.map((h) => h.cells.length), [0, 0, 0, 0, 0, 0, 0])
      const g = Object.fromEntries(r.global.cells.map((c) => [c.name, `${c.value}<-${c.source}`]))
      assert.equal(g.IpInIpMtu, '1500<-env')
      assert.equal(g.LogSeverityFile, 'ERROR<-file')
      assert.ok(r.warnings.some((w) => /FelixHostname="node1".*not applied/.test(w)), r.warnings.join('\n'))
      // Each host still reads its own directory: node4 stays fatal, node5's local-only key is still reported.
      assert.deepEqual(r.hosts.map((h) => h.fatal?.param ?? null), [null, null, null, 'DefaultEndpointToHostAction', null, 'IptablesMarkMask', null])
      const get = await configGetAllHosts('IpInIpMtu', opts({withLocal: true, configFile: cfg, processEnv: {FELIX_IPINIPMTU: '1500'}}))
      assert.deepEqual(get.groups.map((x) => [x.value, x.count, x.sources, x.hosts]), [[1500, 5, {env: 5}, ['node1', 'node2', 'node3', 'node5', 'node9']], [null, 1, {}, ['node4']], [null, 1, {host: 1}, ['node6']]])
    })
  })
}
