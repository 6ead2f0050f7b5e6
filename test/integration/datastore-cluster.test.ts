/**
 * Both drivers against a 3-member etcd cluster: a paused (SIGSTOP) member, a stopped
 * member, and a cluster without quorum (reads are quorum reads, as Felix 2.0's are).
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {startEtcdCluster, EtcdCluster} from '../helpers/etcd.js'
import {openDatastore} from '../../src/datastore/index.js'
import {DatastoreError} from '../../src/errors.js'

const TYPES = ['etcdv2', 'etcdv3'] as const
let cluster: EtcdCluster

before(async () => {
  cluster = await startEtcdCluster(3)
  const [m0] = cluster.members
  const put = await m0.v2('PUT', '/calico/v1/config/LogSeverityFile', 'INFO')
  assert.equal(put.status, 201, put.body)
  const r = await m0.etcdctl(['put', '/calico/v1/config/LogSeverityFile', 'INFO'])
  assert.equal(r.code, 0, r.stderr)
})

after(async () => {
  await cluster?.stop()
})

async function readValues(type: (typeof TYPES)[number], endpoints: string[], timeoutMs: number): Promise<string[]> {
  const ds = await openDatastore({type, endpoints: endpoints.map((e) => e + '/'), timeoutMs})
  try {
    return (await ds.readConfig()).kvs.map((kv) => kv.value)
  } finally {
    await ds.close()
  }
}

describe('3-member cluster', () => {
  test('every member serves the same config to both drivers', async () => {
    for (const type of TYPES) {
      for (const m of cluster.members) assert.deepEqual(await readValues(type, [m.clientUrl], 3000), ['INFO'], `${type} ${m.name}`)
    }
  })

  test('a paused follower listed first: the read moves on to a live member', async () => {
    // Pause a follower: a paused leader leaves the others without quorum until they elect a new one.
    const status = await cluster.members[0].etcdctl(['endpoint', 'status', `--endpoints=${cluster.endpoints.join(',')}`, '-w', 'json'])
    assert.equal(status.code, 0, status.stderr)
    // member ids are uint64: keep them as strings (JSON.parse would round them)
    const rows = JSON.parse(status.stdout.replace(/"(member_id|leader)":(\d+)/g, '"$1":"$2"')) as Array<{Endpoint: string; Status: {header: {member_id: number | string}; leader: number | string}}>
    const leader = String(rows[0].Status.leader)
    const followerUrl = rows.find((r) => String(r.Status.header.member_id) !== leader)?.Endpoint
    const follower = cluster.members.find((m) => m.clientUrl === followerUrl)
    assert.ok(follower, `a follower among ${status.stdout}`)
    const others = cluster.members.filter((m) => m !== follower).map((m) => m.clientUrl)
    follower.pause()
    try {
      for (const type of TYPES) {
        // The paused member takes its share of the timeout; a live one then answers.
        assert.deepEqual(await readValues(type, [follower.clientUrl, ...others], 6000), ['INFO'], type)
      }
    } finally {
      follower.resume()
    }
  })

  test('no quorum (two members stopped): exit 5, naming the endpoint', async () => {
    const [, m1, m2] = cluster.members
    await m1.stop()
    await m2.stop()
    const m0 = cluster.members[0]
    for (const type of TYPES) {
      await assert.rejects(readValues(type, [m0.clientUrl], 1500), (error: unknown) => {
        assert.ok(error instanceof DatastoreError, `${type}: ${String(error)}`)
        assert.match(error.message, new RegExp(`^cannot reach etcd at ${m0.clientUrl}/: `))
        return true
      })
    }
  })
})
