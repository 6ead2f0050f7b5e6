/**
 * Failure handling of both etcd drivers: etcd stopped, a closed port, a port that
 * accepts and never answers, DNS failure, HTTP 5xx, several endpoints; every case
 * rejects with one DatastoreError naming the endpoint and why (a timeout that fired is
 * `datastore-timeout`), and a process that hit a hung endpoint holds no socket or timer
 * after close, so it exits on its own. No test here reads the clock: a busy machine
 * must not fail them.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import * as http from 'node:http'
import {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {closedPort, hangingServer, startEtcd, makeCerts, EtcdInstance, HangingServer, CertSet} from '../helpers/etcd.js'
import {openDatastore} from '../../src/datastore/index.js'
import {DatastoreConnection} from '../../src/datastore/types.js'
import {DatastoreError} from '../../src/errors.js'

const TYPES = ['etcdv2', 'etcdv3'] as const
const REPO = fileURLToPath(new URL('../..', import.meta.url))

let hanging: HangingServer
let failing: http.Server
let failingUrl: string
let tmp: string

before(async () => {
  hanging = await hangingServer()
  // An HTTP server that answers every request with 503, as a proxy in front of a dead etcd does.
  failing = http.createServer((_req, res) => {
    res.writeHead(503, {'content-type': 'application/json'})
    res.end('{"errorCode":300,"message":"Raft Internal Error","cause":"etcdserver: request timed out"}')
  })
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', () => resolve()))
  failingUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/`
  tmp = mkdtempSync(join(tmpdir(), 'felixctl-dsfail-'))
})

after(async () => {
  await hanging?.close()
  await new Promise((resolve) => failing?.close(resolve))
  if (tmp) rmSync(tmp, {recursive: true, force: true})
})

/** Read with the connection; expect one DatastoreError; return it. */
async function expectUnreachable(c: DatastoreConnection, op: 'readConfig' | 'get' | 'put' = 'readConfig'): Promise<DatastoreError> {
  const ds = await openDatastore(c)
  let caught: unknown
  try {
    if (op === 'readConfig') await ds.readConfig()
    else if (op === 'get') await ds.get('/calico/v1/config/X')
    else await ds.put('/calico/v1/config/X', 'y', {ifRevision: '0'})
  } catch (error) {
    caught = error
  } finally {
    await ds.close()
  }
  assert.ok(caught instanceof DatastoreError, `expected a DatastoreError, got ${String(caught)}`)
  assert.equal(caught.exitCode, 5)
  assert.doesNotMatch(caught.message, /\n/, 'one line')
  assert.match(caught.hint ?? '', /--etcd-endpoints|EtcdEndpoints|--etcd-ca-file/)
  return caught
}

describe('unreachable endpoints', {concurrency: true}, () => {
  for (const type of TYPES) {
    test(`${type}: closed port: connection refused, at once`, async () => {
      const url = `http://127.0.0.1:${await closedPort()}/`
      const error = await expectUnreachable({type, endpoints: [url], timeoutMs: 5000})
      assert.equal(error.message, `cannot reach etcd at ${url}: connection refused`)
      assert.equal(error.endpoint, url)
      assert.notEqual(error.code, 'datastore-timeout', 'refused is not a timeout')
    })

    test(`${type}: a port that accepts and never answers: timed out`, async () => {
      const error = await expectUnreachable({type, endpoints: [hanging.url], timeoutMs: 800})
      assert.equal(error.message, `cannot reach etcd at ${hanging.url}: timed out after 800 ms`)
      assert.equal(error.code, 'datastore-timeout')
    })

    test(`${type}: writes and gets are bounded too`, async () => {
      assert.equal((await expectUnreachable({type, endpoints: [hanging.url], timeoutMs: 500}, 'put')).code, 'datastore-timeout')
      assert.equal((await expectUnreachable({type, endpoints: [hanging.url], timeoutMs: 500}, 'get')).code, 'datastore-timeout')
    })

    test(`${type}: a name that does not resolve`, async () => {
      const error = await expectUnreachable({type, endpoints: ['http://felixctl-no-such-host.invalid:2379/'], timeoutMs: 3000})
      assert.match(error.message, /^cannot reach etcd at http:\/\/felixctl-no-such-host\.invalid:2379\/: (DNS lookup failed|timed out)/)
    })

    test(`${type}: every endpoint failed: all named, in order, each with its reason`, async () => {
      const dead = `http://127.0.0.1:${await closedPort()}/`
      const error = await expectUnreachable({type, endpoints: [dead, hanging.url], timeoutMs: 1000})
      assert.equal(error.message, `cannot reach etcd at ${dead} (connection refused), ${hanging.url} (timed out after ${error.message.match(/timed out after (\d+)/)?.[1]} ms)`)
    })
  }

  test('etcdv2: HTTP 5xx is a failed endpoint (exit 5) with etcd\'s reason', async () => {
    // The server answers 503 at once: the budget only has to outlast a busy machine.
    const error = await expectUnreachable({type: 'etcdv2', endpoints: [failingUrl], timeoutMs: 30000})
    assert.equal(error.message, `cannot reach etcd at ${failingUrl}: HTTP 503: Raft Internal Error (etcdserver: request timed out)`)
  })
})

describe('a hung endpoint does not take the whole budget from a good one', () => {
  let etcd: EtcdInstance
  before(async () => {
    etcd = await startEtcd()
    await etcd.v2('PUT', '/calico/v1/config/A', 'v2')
    await etcd.etcdctl(['put', '/calico/v1/config/A', 'v3'])
  })
  after(async () => {
    await etcd?.stop()
  })

  for (const type of TYPES) {
    test(`${type}: [hanging, 5xx, good] reads from the good one within the timeout`, async () => {
      const endpoints = type === 'etcdv2' ? [hanging.url, failingUrl, etcd.clientUrl + '/'] : [hanging.url, etcd.clientUrl + '/']
      // A timeout long enough for a busy machine: the hung endpoint gets its share, then the good one answers.
      const ds = await openDatastore({type, endpoints, timeoutMs: 6000})
      try {
        const tree = await ds.readConfig()
        assert.deepEqual(
          tree.kvs.map((kv) => kv.value),
          [type === 'etcdv2' ? 'v2' : 'v3'],
        )
        // the next call starts at the endpoint that answered: no new connection to the hung one
        const before = hanging.accepted()
        await ds.readConfig()
        assert.equal(hanging.accepted(), before, 'the second read connected to the hung endpoint again')
      } finally {
        await ds.close()
      }
    })

    test(`${type}: etcd stopped after a successful read: refused, naming the endpoint`, async () => {
      // a separate etcd, so the shared one stays up for the other tests
      const own = await startEtcd()
      const ds = await openDatastore({type, endpoints: [own.clientUrl + '/'], timeoutMs: 2000})
      try {
        await ds.readConfig()
        await own.stop()
        await assert.rejects(ds.readConfig(), (error: unknown) => {
          assert.ok(error instanceof DatastoreError, String(error))
          assert.match(error.message, new RegExp(`^cannot reach etcd at ${own.clientUrl}/: (connection refused|connection reset by peer|timed out)`))
          return true
        })
      } finally {
        await ds.close()
        await own.stop()
      }
    })
  }
})

/** Run a small script in a child process (optionally as nobody). */
function runChild(code: string, asNobody = false): Promise<{code: number | null; stdout: string; stderr: string}> {
  const script = join(tmp, `child-${Math.random().toString(36).slice(2)}.mts`)
  writeFileSync(script, code)
  chmodSync(script, 0o644)
  const node = [process.execPath, '--import', 'tsx', script]
  const cmd = asNobody ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...node] : node
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), {cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NODE_NO_WARNINGS: '1'}})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (exit) => {
      resolve({code: exit, stdout, stderr})
    })
  })
}

describe('process hygiene', {concurrency: true}, () => {
  const index = JSON.stringify(join(REPO, 'src/datastore/index.ts'))
  for (const type of TYPES) {
    test(`${type}: after a timeout against a hung endpoint the process exits on its own, with nothing on stderr`, async () => {
      const r = await runChild(`
        import {openDatastore} from ${index}
        const ds = await openDatastore({type: '${type}', endpoints: ['${hanging.url}'], timeoutMs: 700})
        try { await ds.readConfig() } catch (e) { console.log((e as Error).constructor.name) }
        await ds.close()
        // What would keep the process alive after close: sockets, timers (stdio pipes excluded).
        // A destroyed socket closes within a few turns of the event loop; a timer or a live socket stays.
        const open = () => process.getActiveResourcesInfo().filter((r) => !/^(PipeWrap|TTYWrap|Immediate)$/.test(r))
        let turns = 0
        const check = () => (open().length === 0 || ++turns >= 1000 ? console.log(JSON.stringify(open())) : setImmediate(check))
        setImmediate(check)
      `)
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stderr, '')
      const lines = r.stdout.trim().split('\n')
      assert.equal(lines[0], 'DatastoreError')
      assert.deepEqual(JSON.parse(lines[1]), [], 'handles left open after close')
    })
  }

  test('a key file felixctl may not read (as nobody): exit-6 error naming the file, contents never printed', async () => {
    const certs: CertSet = await makeCerts({dir: join(tmp, 'certs')})
    const keyCopy = join(tmp, 'root-only.key')
    copyFileSync(certs.clientKeyFile, keyCopy)
    chmodSync(keyCopy, 0o600)
    chmodSync(tmp, 0o755)
    for (const type of TYPES) {
      const r = await runChild(
        `
        import {openDatastore} from ${index}
        try {
          await openDatastore({type: '${type}', endpoints: ['https://127.0.0.1:1/'], timeoutMs: 500,
            caFile: ${JSON.stringify(certs.caFile)}, certFile: ${JSON.stringify(certs.clientCertFile)}, keyFile: ${JSON.stringify(keyCopy)}})
          console.log('opened')
        } catch (e) { console.log((e as any).exitCode, (e as Error).message) }
      `,
        true,
      )
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout.trim(), `6 cannot read EtcdKeyFile (--etcd-key-file) ${keyCopy}: permission denied`, type)
    }
  })
})
