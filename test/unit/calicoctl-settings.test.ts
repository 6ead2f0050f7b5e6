/**
 * calicoctl v1's own settings (libcalico-go v1 apiconfig/EtcdConfig, calicoctl v1.0's client
 * manager) and the connection precedence, one row per rule.
 */
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parse} from 'yaml'
import {
  CalicoctlConfigError,
  calicoctlSettingsFromEnv,
  calicoctlSettingsFromFile,
  needsCalicoctl,
  pickConnectionPart,
  readCalicoctlSettings,
} from '../../src/datastore/calicoctl-settings.js'
import {LocalIoError} from '../../src/errors.js'
import {loadTlsMaterial} from '../../src/datastore/tls.js'

const PATH = '/tmp/calicoctl.cfg'
const fromFile = (text: string) => calicoctlSettingsFromFile(PATH, text, (t) => parse(t))
const V1 = 'apiVersion: v1\nkind: calicoApiConfig\nmetadata:\nspec:\n'

describe('calicoctl environment variables', () => {
  test('ETCD_ENDPOINTS and the three TLS variables, each with its name', () => {
    const s = calicoctlSettingsFromEnv({ETCD_ENDPOINTS: 'https://e1:2379, https://e2:2379', ETCD_CA_CERT_FILE: '/ca', ETCD_CERT_FILE: '/cert', ETCD_KEY_FILE: '/key'})
    assert.deepEqual(s.endpoints, {value: ['https://e1:2379', 'https://e2:2379'], origin: {source: 'calicoctl-env', name: 'ETCD_ENDPOINTS'}})
    assert.deepEqual(s.caFile, {value: '/ca', origin: {source: 'calicoctl-env', name: 'ETCD_CA_CERT_FILE'}})
    assert.deepEqual(s.certFile?.origin.name, 'ETCD_CERT_FILE')
    assert.deepEqual(s.keyFile?.origin.name, 'ETCD_KEY_FILE')
    assert.equal(s.from, 'env')
  })
  test('ETCD_AUTHORITY and ETCD_SCHEME when ETCD_ENDPOINTS is not set (defaults http, 127.0.0.1:2379)', () => {
    assert.deepEqual(calicoctlSettingsFromEnv({ETCD_AUTHORITY: 'e1:4001'}).endpoints?.value, ['http://e1:4001'])
    assert.deepEqual(calicoctlSettingsFromEnv({ETCD_SCHEME: 'https'}).endpoints?.value, ['https://127.0.0.1:2379'])
    assert.deepEqual(calicoctlSettingsFromEnv({ETCD_ENDPOINTS: 'http://a:1', ETCD_AUTHORITY: 'b:2'}).endpoints?.value, ['http://a:1'])
  })
  test('empty variables are unset; nothing set gives nothing', () => {
    const s = calicoctlSettingsFromEnv({ETCD_ENDPOINTS: '', ETCD_CA_CERT_FILE: ''})
    assert.equal(s.endpoints, null)
    assert.equal(s.caFile, null)
  })
  test('ETCD_USERNAME is noted as unused', () => {
    assert.match(calicoctlSettingsFromEnv({ETCD_USERNAME: 'u'}).notes.join(), /ETCD_USERNAME .*does not authenticate/)
  })
})

describe('calicoctl.cfg (v1 format)', () => {
  test('the etcd fields, each named spec.<field> with the path', () => {
    const s = fromFile(`${V1}  datastoreType: "etcdv2"\n  etcdEndpoints: "http://e1:2379,http://e2:2379"\n  etcdCACertFile: /ca\n  etcdCertFile: /cert\n  etcdKeyFile: /key\n`)
    assert.deepEqual(s.endpoints, {value: ['http://e1:2379', 'http://e2:2379'], origin: {source: 'calicoctl-file', name: 'spec.etcdEndpoints', path: PATH}})
    assert.deepEqual([s.caFile?.value, s.certFile?.value, s.keyFile?.value], ['/ca', '/cert', '/key'])
    assert.equal(s.caFile?.origin.name, 'spec.etcdCACertFile')
  })
  test('JSON is read too, and field names match in any case (Go encoding/json)', () => {
    const s = fromFile(JSON.stringify({apiVersion: 'v1', kind: 'calicoApiConfig', metadata: {}, spec: {ETCDENDPOINTS: 'http://e:1', etcdcacertfile: '/ca'}}))
    assert.deepEqual(s.endpoints?.value, ['http://e:1'])
    assert.equal(s.caFile?.origin.name, 'spec.etcdCACertFile')
  })
  test('etcdScheme/etcdAuthority when etcdEndpoints is empty', () => {
    assert.deepEqual(fromFile(`${V1}  etcdAuthority: e:4001\n  etcdScheme: https\n`).endpoints, {value: ['https://e:4001'], origin: {source: 'calicoctl-file', name: 'spec.etcdAuthority', path: PATH}})
  })
  test('datastoreType kubernetes: the etcd fields are not used, with a note', () => {
    const s = fromFile(`${V1}  datastoreType: kubernetes\n  etcdEndpoints: http://e:1\n`)
    assert.equal(s.endpoints, null)
    assert.match(s.notes.join(), /kubernetes/)
  })
  test('etcdUsername is noted, the password never appears', () => {
    const s = fromFile(`${V1}  etcdEndpoints: http://e:1\n  etcdUsername: bob\n  etcdPassword: s3cret\n`)
    assert.match(s.notes.join(), /etcdUsername/)
    assert.doesNotMatch(JSON.stringify(s), /s3cret/)
  })
  const refused: [string, string, RegExp][] = [
    ['another apiVersion', 'apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\n', /apiVersion/],
    ['another kind', 'apiVersion: v1\nkind: config\n', /kind calicoApiConfig/],
    ['an unknown spec field (strict decoding)', `${V1}  etcdEndpoint: http://e:1\n`, /unknown field spec.etcdEndpoint/],
    ['an unknown top-level field', 'apiVersion: v1\nkind: calicoApiConfig\nspecs: {}\n', /unknown field "specs"/],
    ['a list', '- a\n', /not a YAML or JSON object/],
    ['a number where a string is wanted', `${V1}  etcdEndpoints: 5\n`, /not a string/],
    ['not YAML', 'a: [', /not YAML or JSON/],
  ]
  for (const [name, text, message] of refused) {
    test(`refused: ${name}`, () => assert.throws(() => fromFile(text), (e: unknown) => e instanceof CalicoctlConfigError && message.test(e.message)))
  }
})

describe('what calicoctl reads: the file when it exists, else the environment', () => {
  const env = {ETCD_ENDPOINTS: 'http://from-env:1'}
  test('an existing file hides ETCD_* entirely', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'felixctl-calicoctl-'))
    const file = join(dir, 'calicoctl.cfg')
    writeFileSync(file, `${V1}  etcdCACertFile: /ca\n`)
    const s = await readCalicoctlSettings(file, env)
    assert.equal(s.from, 'file')
    assert.equal(s.endpoints, null)
    assert.equal(s.caFile?.value, '/ca')
  })
  test('an empty path means no file: the environment', async () => {
    assert.deepEqual((await readCalicoctlSettings('', env)).endpoints?.value, ['http://from-env:1'])
  })
  test('a named file that does not exist is exit 6; a broken one too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'felixctl-calicoctl-'))
    await assert.rejects(readCalicoctlSettings(join(dir, 'absent.cfg'), env), (e: unknown) => e instanceof LocalIoError && e.code === 'calicoctl-config-missing')
    writeFileSync(join(dir, 'bad.cfg'), 'kind: nope\n')
    await assert.rejects(readCalicoctlSettings(join(dir, 'bad.cfg'), env), (e: unknown) => e instanceof LocalIoError && e.code === 'calicoctl-config-invalid')
  })
})

describe('precedence: flag > Felix > calicoctl > default', () => {
  const s = (source: 'flag' | 'felix' | 'calicoctl-file' | 'default') => ({value: source, origin: {source}})
  const rows: [string, Parameters<typeof pickConnectionPart<string>>[0], string | null][] = [
    ['a flag beats everything', {flag: s('flag'), felix: s('felix'), calicoctl: s('calicoctl-file'), fallback: s('default')}, 'flag'],
    ["Felix's setting beats calicoctl's", {felix: s('felix'), calicoctl: s('calicoctl-file'), fallback: s('default')}, 'felix'],
    ["calicoctl's where Felix has none", {calicoctl: s('calicoctl-file'), fallback: s('default')}, 'calicoctl-file'],
    ['the default last', {calicoctl: null, fallback: s('default')}, 'default'],
    ['no TLS file anywhere', {fallback: null}, null],
  ]
  for (const [name, candidates, want] of rows) test(name, () => assert.equal(pickConnectionPart(candidates)?.value ?? null, want))
  test('calicoctl is consulted only when some part has neither a flag nor a Felix setting', () => {
    const set = {flag: 1}
    assert.equal(needsCalicoctl({endpoints: set, caFile: set, certFile: {felix: 1}, keyFile: {felix: 1}}), false)
    assert.equal(needsCalicoctl({endpoints: set, caFile: {}, certFile: set, keyFile: set}), true)
  })
})

describe('a TLS file named by calicoctl\'s settings: errors name that setting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'felixctl-tls-setting-'))
  const notPem = join(dir, 'not-a-cert.pem')
  writeFileSync(notPem, 'hello\n')
  const cases: Array<[string, Parameters<typeof loadTlsMaterial>[0], RegExp]> = [
    ['ETCD_CA_CERT_FILE', {caFile: notPem, sources: {caFile: {value: notPem, origin: {source: 'calicoctl-env', name: 'ETCD_CA_CERT_FILE'}}}}, /^cannot use ETCD_CA_CERT_FILE \(calicoctl's environment\) .*not-a-cert\.pem: it holds no PEM certificate/],
    ['calicoctl.cfg', {caFile: notPem, sources: {caFile: {value: notPem, origin: {source: 'calicoctl-file', name: 'spec.etcdCACertFile', path: '/x/calicoctl.cfg'}}}}, /^cannot use spec\.etcdCACertFile in \/x\/calicoctl\.cfg /],
    ['a flag', {caFile: notPem, sources: {caFile: {value: notPem, origin: {source: 'flag', name: '--etcd-ca-file'}}}}, /^cannot use EtcdCaFile \(--etcd-ca-file\) /],
    ['no sources', {caFile: notPem}, /^cannot use EtcdCaFile \(--etcd-ca-file\) /],
    ['a missing file from ETCD_CA_CERT_FILE', {caFile: join(dir, 'absent.pem'), sources: {caFile: {value: 'x', origin: {source: 'calicoctl-env', name: 'ETCD_CA_CERT_FILE'}}}}, /ETCD_CA_CERT_FILE \(calicoctl's environment\)/],
  ]
  for (const [name, conn, message] of cases) {
    test(name, () => {
      assert.throws(() => loadTlsMaterial(conn), (e: unknown) => e instanceof LocalIoError && message.test(e.message))
    })
  }
})
