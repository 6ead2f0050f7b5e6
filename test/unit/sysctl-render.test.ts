import {test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {checkSysctl} from '../../src/services/sysctl/check.js'
import {renderSysctlCheckText} from '../../src/render/sysctl.js'

test('check table and wide renderings, exactly', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'felixctl-sysctl-render-'))
  t.after(() => rmSync(root, {recursive: true, force: true}))
  const put = (p: string, c: string) => {
    mkdirSync(dirname(join(root, p)), {recursive: true})
    writeFileSync(join(root, p), c)
  }
  put('proc/sys/net/netfilter/nf_conntrack_max', '1000000\n')
  put('proc/sys/net/netfilter/nf_conntrack_count', '850000\n')
  put('proc/sys/net/netfilter/nf_conntrack_buckets', '262144\n')
  put('etc/sysctl.conf', 'net.netfilter.nf_conntrack_max=1000000\n')
  mkdirSync(join(root, 'etc/sysctl.d'))
  symlinkSync('../sysctl.conf', join(root, 'etc/sysctl.d/99-sysctl.conf'))
  put('usr/lib/sysctl.d/50-x.conf', 'net.netfilter.nf_conntrack_max = 65536\n')
  put('etc/modules', 'nf_conntrack\n')
  const r = checkSysctl({root})
  assert.equal(
    renderSysctlCheckText(r, 'table'),
    [
      'key:              net.netfilter.nf_conntrack_max',
      'live:             1000000 (recommended 1000000)',
      'usage:            850000 / 1000000 entries (85 %)',
      'buckets:          262144',
      'persisted (boot): 1000000  /etc/sysctl.d/99-sysctl.conf:1 (-> /etc/sysctl.conf)',
      'sysctl --system:  1000000  /etc/sysctl.conf:1',
      'module at boot:   yes (/etc/modules:1)',
      'udev rule:        none',
      '',
      'FILE                                               LINE   VALUE     STATUS',
      '/usr/lib/sysctl.d/50-x.conf                        1      65536     shadowed',
      '/etc/sysctl.d/99-sysctl.conf -> /etc/sysctl.conf   1      1000000   effective',
      '/etc/sysctl.conf                                   1      1000000   not-at-boot',
      '',
      'WARNING conntrack-usage-high: the conntrack table is 85 % full (850000 of 1000000 entries); when it is full the kernel drops packets ("nf_conntrack: table full, dropping packet")',
      // A hint on a --root tree names the same tree.
      `        hint: raise net.netfilter.nf_conntrack_max: felixctl sysctl apply --root ${root} --value 2000000`,
      '',
    ].join('\n'),
  )
  const wide = renderSysctlCheckText(r, 'wide')
  assert.match(wide, /^memory at full use: about 286 MiB \(300 bytes per entry\)$/m)
  assert.match(wide, /^\/usr\/lib\/sysctl.d\/50-x.conf +1 +net.netfilter.nf_conntrack_max +65536 +shadowed +overridden by \/etc\/sysctl.d\/99-sysctl.conf:1$/m)
  assert.match(wide, /^files read at boot, in order:\n {2}\/usr\/lib\/sysctl.d\/50-x.conf\n {2}\/etc\/sysctl.d\/99-sysctl.conf$/m)
})
