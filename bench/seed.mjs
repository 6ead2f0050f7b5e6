// Seeding a throwaway etcd quickly: v3 with the etcd3 client's transactions (128 puts
// each, etcd's default --max-txn-ops), v2 with keep-alive HTTP PUTs at bounded concurrency.
import * as http from 'node:http'

export async function seedV3(endpoint, kvs, {concurrency = 8, batch = 128} = {}) {
  const mod = await import('etcd3')
  const Etcd3 = mod.Etcd3 ?? mod.default.Etcd3
  const client = new Etcd3({hosts: [endpoint], grpcOptions: {'grpc.max_send_message_length': 64 << 20}})
  try {
    let next = 0
    const worker = async () => {
      while (next < kvs.length) {
        const slice = kvs.slice(next, next + batch)
        next += batch
        await client.kv.txn({
          compare: [],
          success: slice.map(([k, v]) => ({request_put: {key: Buffer.from(k), value: Buffer.from(v)}})),
          failure: [],
        })
      }
    }
    await Promise.all(Array.from({length: concurrency}, worker))
  } finally {
    client.close()
  }
}

export async function seedV2(endpoint, kvs, {concurrency = 48} = {}) {
  const agent = new http.Agent({keepAlive: true, maxSockets: concurrency})
  const put = (key, value) =>
    new Promise((resolve, reject) => {
      const body = `value=${encodeURIComponent(value)}`
      const path = '/v2/keys' + key.split('/').map(encodeURIComponent).join('/')
      const req = http.request(endpoint + path, {method: 'PUT', agent, headers: {'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body)}}, (res) => {
        res.resume()
        res.on('end', () => (res.statusCode === 200 || res.statusCode === 201 ? resolve() : reject(new Error(`PUT ${key}: HTTP ${res.statusCode}`))))
      })
      req.on('error', reject)
      req.end(body)
    })
  let next = 0
  const worker = async () => {
    while (next < kvs.length) {
      const [k, v] = kvs[next++]
      await put(k, v)
    }
  }
  try {
    await Promise.all(Array.from({length: concurrency}, worker))
  } finally {
    agent.destroy()
  }
}
