/**
 * etcd errors that name the real cause: an etcd that answers without the v2 API is not
 * "unreachable", and a wrong scheme (http:// to TLS, https:// to plain) says which to try.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {startEtcd, EtcdInstance} from '../helpers/etcd.js'
import {runCli} from '../helpers/cli.js'

let noV2: EtcdInstance
let plain: EtcdInstance
let tls: EtcdInstance

before(async () => {
  ;[noV2, plain, tls] = await Promise.all([startEtcd({v2: false}), startEtcd(), startEtcd({tls: true, clientCertAuth: false})])
})

after(async () => {
  await Promise.all([noV2?.stop(), plain?.stop(), tls?.stop()])
})

const get = (endpoint: string, extra: string[] = []) =>
  runCli(['config', 'get', 'LogSeverityFile', '--host', 'n1', '-c', '/dev/null', '--etcd-endpoints', endpoint, '--etcd-timeout', '10s', ...extra], {cleanEnv: true})

describe('etcd errors that name the cause', () => {
  test('etcd 3.4 without --enable-v2: reached, the v2 API is off; suggests --enable-v2 and --datastore-type etcdv3', async () => {
    const r = await get(noV2.clientUrl)
    assert.equal(r.code, 5, r.stderr)
    assert.match(r.stderr, /answers, but its v2 API is off/)
    assert.doesNotMatch(r.stderr, /cannot reach/)
    assert.match(r.stderr, /--enable-v2/)
    assert.match(r.stderr, /--datastore-type etcdv3/)
    // The suggestion works.
    const v3 = await get(noV2.clientUrl, ['--datastore-type', 'etcdv3'])
    assert.equal(v3.code, 0, v3.stderr)
  })

  test('http:// to a TLS etcd suggests https://', async () => {
    const r = await get(tls.clientUrl.replace('https://', 'http://'))
    assert.equal(r.code, 5, r.stderr)
    assert.match(r.stderr, /etcd may expect TLS here: try https:\/\/127\.0\.0\.1:\d+\//)
  })

  test('https:// to a plain etcd suggests http://', async () => {
    const r = await get(plain.clientUrl.replace('http://', 'https://'))
    assert.equal(r.code, 5, r.stderr)
    assert.match(r.stderr, /etcd may not speak TLS here: try http:\/\/127\.0\.0\.1:\d+\//)
  })
})

describe('--etcd-timeout', () => {
  for (const [value, code] of [['1h', 5], ['61m', 2], ['2h', 2], ['9999999999s', 2]] as const) {
    test(`${value}: exit ${code}`, async () => {
      // A refused port fails at once whatever the timeout, so an accepted value ends with exit 5.
      const r = await runCli(['config', 'get', 'LogSeverityFile', '--host', 'n1', '-c', '/dev/null', '--etcd-endpoints', 'http://127.0.0.1:1', '--etcd-timeout', value], {cleanEnv: true})
      assert.equal(r.code, code, r.stderr)
      if (code === 2) assert.match(r.stderr, /at most|longer than the 1h/)
    })
  }
})
