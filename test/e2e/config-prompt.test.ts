/** `config set` with no VALUE on a TTY prompts (choices for oneof, validation as you type); run under script(1) for a real pty. */
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {REPO_ROOT} from '../helpers/cli.js'
import {haveScript, onPty} from '../helpers/pty.js'
import {needTool} from '../helpers/tools.js'

/** A temp dir with an empty felix.cfg and an empty snapshot, removed afterwards. */
async function withFiles(body: (dir: string, cfg: string, snap: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'felixctl-prompt-'))
  try {
    const cfg = join(dir, 'felix.cfg')
    const snap = join(dir, 's.json')
    writeFileSync(cfg, '[global]\n')
    writeFileSync(snap, '{}')
    await body(dir, cfg, snap)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

test('config set prompts for a value on a TTY, validating as you type', {skip: needTool('script', 'bsdutils', haveScript)}, async () => {
  await withFiles(async (_dir, cfg, snap) => {
    // An int parameter: "abc" is rejected in the prompt, then 1400 is accepted.
    const r = await onPty(['config', 'set', 'IpInIpMtu', '--layer', 'file', '-c', cfg, '--snapshot', snap, '--host', 'n1'], ['abc\r', '\x7f\x7f\x7f1400\r'], 'Value for')
    assert.equal(r.code, 0, r.screen)
    assert.match(r.screen, /invalid int/)
    assert.equal(readFileSync(cfg, 'utf8'), '[global]\nIpInIpMtu = 1400\n')
    // A oneof parameter: a list of choices; Enter takes the first (DEBUG).
    const s = await onPty(['config', 'set', 'LogSeverityScreen', '--layer', 'file', '-c', cfg, '--snapshot', snap, '--host', 'n1'], ['\r'], 'Value for')
    assert.equal(s.code, 0, s.screen)
    assert.match(readFileSync(cfg, 'utf8'), /^LogSeverityScreen = DEBUG$/m)
  })
})

// Every prompt shares one cancellation path (Ctrl-C: exit 130, "nothing was written") and one default (No).
test('Ctrl-C at any prompt is exit 130 and nothing is done; Enter at a yes/no question is No', {skip: needTool('script', 'bsdutils', haveScript)}, async () => {
  await withFiles(async (dir, cfg, snap) => {
    const root = join(dir, 'tree')
    cpSync(join(REPO_ROOT, 'test/fixtures/sysctl/debian-fresh'), root, {recursive: true, verbatimSymlinks: true})
    const before = readFileSync(join(root, 'proc/sys/net/netfilter/nf_conntrack_max'), 'utf8')
    const cases: {args: string[]; waitFor: string; nothing: RegExp}[] = [
      {args: ['config', 'set', 'IpInIpMtu', '--layer', 'file', '-c', cfg, '--snapshot', snap, '--host', 'n1'], waitFor: 'Value for', nothing: /cancelled at the prompt; nothing was written/},
      {args: ['sysctl', 'apply', '--root', root], waitFor: 'Apply these changes?', nothing: /cancelled at the prompt; nothing was written/},
      {args: ['openstack', 'render'], waitFor: 'OpenStack release', nothing: /cancelled at the prompt; nothing rendered/},
    ]
    for (const c of cases) {
      const r = await onPty(c.args, ['\x03'], c.waitFor)
      assert.equal(r.code, 130, `${c.args.join(' ')}: ${r.screen}`)
      assert.match(r.screen, c.nothing)
      assert.doesNotMatch(r.screen, /internal error/)
    }
    assert.equal(readFileSync(cfg, 'utf8'), '[global]\n')
    // Enter takes the default, No: the tree is unchanged.
    const enter = await onPty(['sysctl', 'apply', '--root', root], ['\r'], 'Apply these changes?')
    assert.match(enter.screen, /Apply these changes\? \(y\/N\)/)
    assert.equal(readFileSync(join(root, 'proc/sys/net/netfilter/nf_conntrack_max'), 'utf8'), before)
    assert.equal(existsSync(join(root, 'etc/sysctl.d/99-zz-felixctl-conntrack.conf')), false)
  })
})
