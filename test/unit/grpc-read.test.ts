/**
 * The hand-written protobuf of src/datastore/grpc-read.ts, on messages built here field by
 * field (the integration tests read the same messages from a real etcd: v2 = v3 = snapshot).
 */
import {strict as assert} from 'node:assert'
import {describe, test} from 'node:test'
import {decodeRange, decodeTxnOfRanges, encodeRange, encodeTxnOfRanges} from '../../src/datastore/grpc-read.js'
import {isConfigKey} from '../../src/datastore/snapshot.js'

function varint(n: bigint): Buffer {
  const out: number[] = []
  while (n > 0x7fn) {
    out.push(Number(n & 0x7fn) | 0x80)
    n >>= 7n
  }
  out.push(Number(n))
  return Buffer.from(out)
}
const tag = (no: number, wire: number) => varint(BigInt((no << 3) | wire))
const bytesField = (no: number, b: Buffer | string) => Buffer.concat([tag(no, 2), varint(BigInt(Buffer.byteLength(b))), Buffer.from(b)])
const intField = (no: number, n: bigint) => Buffer.concat([tag(no, 0), varint(n)])

/** mvccpb.KeyValue, with the fields etcd sends (empty ones omitted, as proto3 does). */
function kv(key: string, value: string, mod: bigint, extra: Buffer[] = []): Buffer {
  const parts = [bytesField(1, key), intField(2, mod), intField(3, mod), intField(4, 1n)]
  if (value !== '') parts.push(bytesField(5, value))
  return Buffer.concat([...parts, ...extra])
}
const header = (revision: bigint) => bytesField(1, Buffer.concat([intField(1, 14841639068965178418n), intField(2, 10276657743932975437n), intField(3, revision), intField(4, 2n)]))
const rangeResponse = (revision: bigint, kvs: Buffer[], count = kvs.length) =>
  Buffer.concat([header(revision), ...kvs.map((k) => bytesField(2, k)), intField(4, BigInt(count))])

describe('protobuf reads of etcd v3 answers', () => {
  test('a Range answer: keys, values, mod revisions, the header revision; empty values are ""', () => {
    const msg = rangeResponse(392n, [kv('/calico/v1/config/LogSeverityFile', 'DEBUG', 17n), kv('/calico/v1/config/Empty', '', 300n)])
    const {revision, range} = decodeRange(msg)
    assert.equal(revision, '392')
    assert.deepEqual(range.kvs, [
      {key: '/calico/v1/config/LogSeverityFile', value: 'DEBUG', modRevision: '17'},
      {key: '/calico/v1/config/Empty', value: '', modRevision: '300'},
    ])
  })

  test('revisions beyond 32 bits, UTF-8 keys and values, unknown fields of every wire type skipped', () => {
    const unknown = [intField(9, 5n), Buffer.concat([tag(10, 1), Buffer.alloc(8, 7)]), Buffer.concat([tag(11, 5), Buffer.alloc(4, 9)]), bytesField(12, 'x')]
    const msg = rangeResponse(2n ** 40n + 3n, [kv('/calico/v1/host/nöde/config/Ä', 'wert ✓', 2n ** 33n, unknown)])
    const {revision, range} = decodeRange(msg)
    assert.equal(revision, String(2n ** 40n + 3n))
    assert.deepEqual(range.kvs, [{key: '/calico/v1/host/nöde/config/Ä', value: 'wert ✓', modRevision: String(2n ** 33n)}])
  })

  test('a Txn answer of three ranges keeps their order; keep() drops keys before they are returned', () => {
    const responses = [
      [kv('/calico/v1/config/A', '1', 5n)],
      [kv('/calico/v1/host/h1/config/B', '2', 6n), kv('/calico/v1/host/h1/workload/x/y', '{}', 7n)],
      [kv('/calico/v1/Ready', 'true', 2n)],
    ]
    const msg = Buffer.concat([header(99n), intField(2, 1n), ...responses.map((kvs) => bytesField(3, bytesField(1, rangeResponse(99n, kvs))))])
    const {revision, ranges} = decodeTxnOfRanges(msg, (k) => k === '/calico/v1/Ready' || isConfigKey(k))
    assert.equal(revision, '99')
    assert.deepEqual(
      ranges.map((r) => r.kvs.map((x) => `${x.key}=${x.value}@${x.modRevision}`)),
      [['/calico/v1/config/A=1@5'], ['/calico/v1/host/h1/config/B=2@6'], ['/calico/v1/Ready=true@2']],
    )
  })

  test('an empty range (no kvs field at all) and an empty message decode to nothing', () => {
    assert.deepEqual(decodeRange(rangeResponse(4n, [])).range.kvs, [])
    assert.deepEqual(decodeRange(Buffer.alloc(0)), {revision: '0', range: {kvs: []}})
  })

  test('a truncated message is an error, not a short answer', () => {
    const msg = rangeResponse(7n, [kv('/calico/v1/config/A', 'value', 5n)])
    for (const cut of [msg.length - 1, msg.length - 3, 3]) assert.throws(() => decodeRange(msg.subarray(0, cut)), /truncated/)
  })

  test('requests: a RangeRequest is key (1) and range_end (2); a Txn puts each range in success (2) as request_range (1)', () => {
    assert.deepEqual(encodeRange({key: '/k'}), Buffer.concat([bytesField(1, '/k')]))
    assert.deepEqual(encodeRange({key: '/a/', rangeEnd: Buffer.from('/a0')}), Buffer.concat([bytesField(1, '/a/'), bytesField(2, '/a0')]))
    const long = 'x'.repeat(300)
    assert.deepEqual(encodeTxnOfRanges([{key: long}, {key: '/r'}]), Buffer.concat([bytesField(2, bytesField(1, bytesField(1, long))), bytesField(2, bytesField(1, bytesField(1, '/r')))]))
  })
})

describe('isConfigKey (index arithmetic) agrees with the rule written with split', () => {
  const bySplit = (key: string): boolean => {
    if (key.startsWith('/calico/v1/config/')) return key.length > 18 && !key.slice(18).includes('/')
    if (!key.startsWith('/calico/v1/host/')) return false
    const parts = key.slice(16).split('/')
    return parts.length === 3 && parts[1] === 'config' && parts[2] !== ''
  }
  const pieces = ['', '/', 'calico', 'v1', 'config', 'host', 'h1', 'X', 'workload', '/config/', '//']
  test('on every key built from Felix-path pieces (4 levels)', () => {
    let n = 0
    const walk = (prefix: string, depth: number) => {
      for (const start of ['/calico/v1/config/', '/calico/v1/host/', '/calico/v1/', '']) {
        const key = start + prefix
        assert.equal(isConfigKey(key), bySplit(key), key)
        n++
      }
      if (depth === 0) return
      for (const p of pieces) walk(prefix + p, depth - 1)
    }
    walk('', 4)
    assert.ok(n > 10000)
  })
})
