// Profiling aid: start the bench's two fleets in throwaway etcds and keep them running
// until interrupted; prints their client URLs.
import {writeFileSync} from 'node:fs'
import {brokenFleetKvs, fleetKvs} from './fleet-data.mjs'
import {seedV2, seedV3} from './seed.mjs'
const {register} = await import('tsx/esm/api')
register()
const {startEtcd} = await import('../test/helpers/etcd.ts')
const hosts = Number(process.env.BENCH_HOSTS ?? 10000)
const healthy = await startEtcd({tmpfs: true})
const broken = await startEtcd({tmpfs: true})
for (const [e, kvs] of [[healthy, fleetKvs(0, hosts, true)], [broken, brokenFleetKvs(0, hosts)]]) {
  await seedV3(e.clientUrl, kvs)
  await seedV2(e.clientUrl, kvs)
}
writeFileSync(process.argv[2] ?? '/tmp/fleets.env', `HEALTHY=${healthy.clientUrl}\nBROKEN=${broken.clientUrl}\n`)
console.log(`HEALTHY=${healthy.clientUrl} BROKEN=${broken.clientUrl}`)
const stop = async () => { await Promise.all([healthy.stop(), broken.stop()]); process.exit(0) }
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
setInterval(() => {}, 1 << 30)
