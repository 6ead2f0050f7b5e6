/**
 * A real etcd for integration tests: one member (startEtcd) or a small cluster
 * (startEtcdCluster), on free loopback ports, with its data dir on tmpfs when there is
 * one, optional TLS with certificates made by openssl at test time. Stopped by PID.
 *
 * etcd 3.4 keeps the v2 and v3 key spaces apart and Felix's key paths are fixed, so
 * every test file starts its own etcd.
 */
import {execFile, spawn, spawnSync, ChildProcess} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import * as http from 'node:http'
import * as https from 'node:https'
import * as net from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {readFileSync} from 'node:fs'

export interface ExecResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface CertSet {
  dir: string
  caFile: string
  caKeyFile: string
  serverCertFile: string
  serverKeyFile: string
  /** Client certificate and key signed by the CA. */
  clientCertFile: string
  clientKeyFile: string
  /** The server certificate expired in 2020 (health checks then skip verification). */
  expiredServer?: boolean
}

export interface EtcdMember {
  name: string
  clientUrl: string
  peerUrl: string
  dataDir: string
  pid: number
  /** The CA that signed the server (and client) certificates, when TLS is on. */
  caFile?: string
  /** Client certificate and key, when TLS is on. */
  certFile?: string
  keyFile?: string
  certs?: CertSet
  /** Run etcdctl (v3 API) against this member, with TLS flags when needed. */
  etcdctl(args: string[]): Promise<ExecResult>
  /** A v2 keys API request (PUT with a value, GET, DELETE) against this member. */
  v2(method: 'GET' | 'PUT' | 'DELETE', key: string, value?: string, query?: string): Promise<{status: number; body: string}>
  /** SIGSTOP / SIGCONT: a member that accepts connections and never answers. */
  pause(): void
  resume(): void
  /** The last lines etcd wrote (for failure messages). */
  log(): string
  stop(): Promise<void>
}

export type EtcdInstance = EtcdMember

export interface EtcdOptions {
  tls?: boolean
  /** With TLS: require a client certificate signed by the CA (default true when tls). */
  clientCertAuth?: boolean
  /** Put the data dir under /dev/shm (default: when it exists). */
  tmpfs?: boolean
  /** Use these certificates instead of making new ones (e.g. an expired server cert). */
  certs?: CertSet
  /** Serve the v2 API (--enable-v2; default true): false is etcd 3.4 as it starts by default. */
  v2?: boolean
}

const INSTALL_LOCK = join(tmpdir(), 'felixctl-etcd-install.lock')
let installChecked = false

function run(cmd: string, args: string[], options: {env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string} = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, {env: options.env ?? process.env, timeout: options.timeoutMs ?? 300000, cwd: options.cwd, maxBuffer: 64 * 1024 * 1024}, (error, stdout, stderr) => {
      const code = error ? (typeof (error as NodeJS.ErrnoException).code === 'number' ? ((error as unknown as {code: number}).code) : 1) : 0
      resolve({code, stdout: String(stdout), stderr: String(stderr) + (error && !stderr ? String(error.message) : '')})
    })
  })
}

function onPath(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], {stdio: 'ignore'}).status === 0
}

/** Install Debian's etcd-server and etcd-client when etcd is missing (under a lock: test files run in parallel). */
export function ensureEtcdInstalled(): void {
  if (installChecked) return
  if (!onPath('etcd') || !onPath('etcdctl')) {
    const script = 'command -v etcd >/dev/null && command -v etcdctl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server etcd-client; }'
    const r = spawnSync('flock', [INSTALL_LOCK, 'sh', '-c', script], {stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 600000})
    if (r.status !== 0 || !onPath('etcd')) throw new Error(`cannot install etcd (apt-get install etcd-server etcd-client): ${r.stderr}`)
  }
  installChecked = true
}

/** A free loopback TCP port (listen on port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })
}

/** A loopback port with nothing listening (connections are refused). */
export async function closedPort(): Promise<number> {
  return freePort()
}

export interface HangingServer {
  port: number
  url: string
  /** How many connections it has accepted so far. */
  accepted(): number
  close(): Promise<void>
}

/** A TCP server that accepts connections and never answers (a hung etcd, a black-holing proxy). */
export function hangingServer(): Promise<HangingServer> {
  return new Promise((resolve, reject) => {
    const sockets = new Set<net.Socket>()
    let accepted = 0
    const server = net.createServer((socket) => {
      accepted++
      sockets.add(socket)
      socket.on('error', () => undefined)
      socket.on('close', () => sockets.delete(socket))
    })
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port
      resolve({
        port,
        url: `http://127.0.0.1:${port}/`,
        accepted: () => accepted,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          }),
      })
    })
  })
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const r = await run('openssl', args, {cwd})
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`)
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

/** A self-signed CA in dir (ca.crt, ca.key). */
export async function makeCa(dir: string, name = 'ca'): Promise<{caFile: string; caKeyFile: string}> {
  mkdirSync(dir, {recursive: true})
  await openssl(['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '3650', '-subj', `/CN=felixctl test ${name}`], dir)
  return {caFile: join(dir, `${name}.crt`), caKeyFile: join(dir, `${name}.key`)}
}

/**
 * A leaf certificate signed by the CA. `expired` makes one valid only in 2020 (with
 * `openssl ca -startdate/-enddate`: this OpenSSL 3.0 `x509` has no -not_before).
 */
export async function makeLeaf(
  dir: string,
  ca: {caFile: string; caKeyFile: string},
  name: string,
  options: {server?: boolean; expired?: boolean} = {},
): Promise<{certFile: string; keyFile: string}> {
  const ext = join(dir, `${name}.ext`)
  writeFileSync(
    ext,
    [
      '[ext]',
      'basicConstraints = CA:FALSE',
      'keyUsage = digitalSignature, keyEncipherment',
      `extendedKeyUsage = ${options.server ? 'serverAuth, clientAuth' : 'clientAuth'}`,
      ...(options.server ? ['subjectAltName = IP:127.0.0.1, DNS:localhost'] : []),
      '',
    ].join('\n'),
  )
  await openssl(['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${options.server ? '127.0.0.1' : `felixctl-${name}`}`], dir)
  if (!options.expired) {
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', ca.caFile, '-CAkey', ca.caKeyFile, '-CAcreateserial', '-out', `${name}.crt`, '-days', '3650', '-extfile', ext, '-extensions', 'ext'], dir)
  } else {
    const caDir = join(dir, `${name}-ca-db`)
    mkdirSync(join(caDir, 'new'), {recursive: true})
    writeFileSync(join(caDir, 'index.txt'), '')
    writeFileSync(join(caDir, 'serial'), '1000\n')
    const cnf = join(caDir, 'ca.cnf')
    writeFileSync(
      cnf,
      [
        '[ca]',
        'default_ca = d',
        '[d]',
        `database = ${join(caDir, 'index.txt')}`,
        `new_certs_dir = ${join(caDir, 'new')}`,
        `serial = ${join(caDir, 'serial')}`,
        'default_md = sha256',
        'policy = p',
        'unique_subject = no',
        '[p]',
        'commonName = supplied',
        '',
      ].join('\n'),
    )
    await openssl(
      ['ca', '-batch', '-notext', '-config', cnf, '-cert', ca.caFile, '-keyfile', ca.caKeyFile, '-in', `${name}.csr`, '-out', `${name}.crt`,
        '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-extfile', ext, '-extensions', 'ext'],
      dir,
    )
  }
  return {certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`)}
}

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate, in a new temp dir. */
export async function makeCerts(options: {expiredServer?: boolean; dir?: string} = {}): Promise<CertSet> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'felixctl-certs-'))
  const ca = await makeCa(dir)
  const [server, client] = await Promise.all([makeLeaf(dir, ca, 'server', {server: true, expired: options.expiredServer}), makeLeaf(dir, ca, 'client')])
  return {
    dir,
    caFile: ca.caFile,
    caKeyFile: ca.caKeyFile,
    serverCertFile: server.certFile,
    serverKeyFile: server.keyFile,
    clientCertFile: client.certFile,
    clientKeyFile: client.keyFile,
    expiredServer: options.expiredServer,
  }
}

/** Another self-signed CA that signed nothing etcd uses: verifying the server with it fails. */
export async function makeWrongCa(dir: string): Promise<string> {
  return (await makeCa(dir, 'wrong-ca')).caFile
}

/** A client certificate signed by the right CA that expired in 2020. */
export async function makeExpiredClientCert(certs: CertSet): Promise<{certFile: string; keyFile: string}> {
  return makeLeaf(certs.dir, {caFile: certs.caFile, caKeyFile: certs.caKeyFile}, 'expired-client', {expired: true})
}

function dataRoot(tmpfs: boolean | undefined): string {
  const useShm = tmpfs ?? true
  return useShm && existsSync('/dev/shm') ? '/dev/shm' : tmpdir()
}

function request(url: string, options: https.RequestOptions, body?: string, timeoutMs = 5000): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http
    const req = mod.request(url, {...options, agent: false, timeout: timeoutMs}, (res) => {
      let data = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (data += d))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: data}))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`timeout ${url}`)))
    req.on('error', reject)
    req.end(body)
  })
}

interface MemberSpec {
  name: string
  clientPort: number
  peerPort: number
  initialCluster: string
  token: string
  options: EtcdOptions
  certs?: CertSet
  root: string
}

function spawnMember(spec: MemberSpec): EtcdMember {
  const scheme = spec.certs ? 'https' : 'http'
  const clientUrl = `${scheme}://127.0.0.1:${spec.clientPort}`
  const peerUrl = `http://127.0.0.1:${spec.peerPort}`
  const dataDir = mkdtempSync(join(spec.root, `felixctl-etcd-${spec.name}-`))
  const args = [
    '--name', spec.name,
    ...(spec.options.v2 === false ? [] : ['--enable-v2']),
    '--data-dir', dataDir,
    '--listen-client-urls', clientUrl,
    '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl,
    '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', spec.initialCluster,
    '--initial-cluster-token', spec.token,
    '--initial-cluster-state', 'new',
    '--logger', 'zap',
    '--log-level', 'warn',
  ]
  const certs = spec.certs
  if (certs) {
    args.push('--cert-file', certs.serverCertFile, '--key-file', certs.serverKeyFile, '--trusted-ca-file', certs.caFile)
    if (spec.options.clientCertAuth ?? true) args.push('--client-cert-auth')
  }
  const child: ChildProcess = spawn('etcd', args, {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, ETCD_UNSUPPORTED_ARCH: process.env.ETCD_UNSUPPORTED_ARCH}})
  let logText = ''
  const keep = (d: Buffer) => {
    logText = (logText + d.toString('utf8')).slice(-8000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  let exited = false
  child.on('exit', () => (exited = true))
  child.unref()
  ;(child.stdout as unknown as {unref?: () => void})?.unref?.()
  ;(child.stderr as unknown as {unref?: () => void})?.unref?.()

  const tlsOptions: https.RequestOptions = certs
    ? {ca: readFileSync(certs.caFile), cert: readFileSync(certs.clientCertFile), key: readFileSync(certs.clientKeyFile), rejectUnauthorized: !certs.expiredServer}
    : {}
  const member: EtcdMember = {
    name: spec.name,
    clientUrl,
    peerUrl,
    dataDir,
    pid: child.pid as number,
    caFile: certs?.caFile,
    certFile: certs?.clientCertFile,
    keyFile: certs?.clientKeyFile,
    certs,
    etcdctl: (ctlArgs) => {
      const tlsArgs = certs ? [`--cacert=${certs.caFile}`, `--cert=${certs.clientCertFile}`, `--key=${certs.clientKeyFile}`] : []
      return run('etcdctl', [`--endpoints=${clientUrl}`, ...tlsArgs, ...ctlArgs], {env: {...process.env, ETCDCTL_API: '3'}})
    },
    v2: (method, key, value, query) => {
      const path = '/v2/keys' + key.split('/').map(encodeURIComponent).join('/') + (query ? `?${query}` : '')
      const body = value === undefined ? undefined : `value=${encodeURIComponent(value)}`
      const headers: http.OutgoingHttpHeaders = body === undefined ? {} : {'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body)}
      return request(clientUrl + path, {method, headers, ...tlsOptions}, body)
    },
    pause: () => process.kill(child.pid as number, 'SIGSTOP'),
    resume: () => process.kill(child.pid as number, 'SIGCONT'),
    log: () => logText,
    stop: async () => {
      if (!exited) {
        try {
          process.kill(child.pid as number, 'SIGCONT')
          process.kill(child.pid as number, 'SIGTERM')
        } catch {
          // already gone
        }
        const until = Date.now() + 5000
        while (!exited && Date.now() < until) await new Promise((r) => setTimeout(r, 25))
        if (!exited) {
          try {
            process.kill(child.pid as number, 'SIGKILL')
          } catch {
            // already gone
          }
          while (!exited) await new Promise((r) => setTimeout(r, 10))
        }
      }
      rmSync(dataDir, {recursive: true, force: true})
    },
  }
  ;(member as unknown as {exited: () => boolean}).exited = () => exited
  ;(member as unknown as {tlsOptions: https.RequestOptions}).tlsOptions = tlsOptions
  return member
}

async function waitHealthy(member: EtcdMember, timeoutMs = 120000): Promise<void> {
  const tlsOptions = (member as unknown as {tlsOptions: https.RequestOptions}).tlsOptions
  const exited = (member as unknown as {exited: () => boolean}).exited
  const until = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < until) {
    if (exited()) throw new Error(`etcd ${member.name} exited during start-up:\n${member.log()}`)
    try {
      const r = await request(`${member.clientUrl}/health`, {method: 'GET', ...tlsOptions}, undefined, 1000)
      if (r.status === 200 && /"health":\s*"true"/.test(r.body)) return
      last = `HTTP ${r.status} ${r.body}`
    } catch (error) {
      last = (error as Error).message
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  await member.stop()
  throw new Error(`etcd ${member.name} at ${member.clientUrl} not healthy after ${timeoutMs} ms (${last}):\n${member.log().slice(-1500)}`)
}

/** Start one etcd member (v2 API enabled) on free loopback ports and wait until /health answers. */
export async function startEtcd(options: EtcdOptions = {}): Promise<EtcdInstance> {
  ensureEtcdInstalled()
  const certs = options.tls ? options.certs ?? (await makeCerts()) : undefined
  for (let attempt = 0; ; attempt++) {
    const [clientPort, peerPort] = [await freePort(), await freePort()]
    const member = spawnMember({
      name: 'default',
      clientPort,
      peerPort,
      initialCluster: `default=http://127.0.0.1:${peerPort}`,
      token: `felixctl-${process.pid}-${clientPort}`,
      options,
      certs,
      root: dataRoot(options.tmpfs),
    })
    try {
      await waitHealthy(member)
      if (certs && !options.certs) {
        // certificates made here are removed with the member
        const stopMember = member.stop
        member.stop = async () => {
          await stopMember()
          rmSync(certs.dir, {recursive: true, force: true})
        }
      }
      return member
    } catch (error) {
      await member.stop()
      // Another process may have taken a port between our check and etcd's bind: retry once.
      if (attempt >= 1 || !/address already in use/.test(String((error as Error).message))) throw error
    }
  }
}

export interface EtcdCluster {
  members: EtcdMember[]
  /** Client URLs of every member, in order. */
  endpoints: string[]
  stop(): Promise<void>
}

/** Start an n-member cluster (for quorum tests: stop or SIGSTOP members). */
export async function startEtcdCluster(n: number, options: EtcdOptions = {}): Promise<EtcdCluster> {
  ensureEtcdInstalled()
  const certs = options.tls ? options.certs ?? (await makeCerts()) : undefined
  const ports: Array<[number, number]> = []
  const used = new Set<number>()
  while (ports.length < n) {
    const c = await freePort()
    const p = await freePort()
    if (c === p || used.has(c) || used.has(p)) continue
    used.add(c).add(p)
    ports.push([c, p])
  }
  const names = ports.map((_, i) => `m${i}`)
  const initialCluster = ports.map(([, p], i) => `${names[i]}=http://127.0.0.1:${p}`).join(',')
  const token = `felixctl-cluster-${process.pid}-${ports[0][0]}`
  const root = dataRoot(options.tmpfs)
  const members = ports.map(([c, p], i) => spawnMember({name: names[i], clientPort: c, peerPort: p, initialCluster, token, options, certs, root}))
  try {
    await Promise.all(members.map((m) => waitHealthy(m, 30000)))
  } catch (error) {
    await Promise.all(members.map((m) => m.stop()))
    throw error
  }
  return {
    members,
    endpoints: members.map((m) => m.clientUrl),
    stop: async () => {
      await Promise.all(members.map((m) => m.stop()))
    },
  }
}
