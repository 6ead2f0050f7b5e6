/**
 * The interactive questions of `openstack render` with no file kind (only on a TTY).
 * @inquirer/prompts is loaded lazily: only this path needs it.
 */
import {UsageError} from '../errors.js'
import {OPENSTACK_RELEASES, DEFAULT_RELEASE, releaseLabel} from './releases.js'
import {FILE_KINDS} from './requirements.js'

export interface RenderAnswers {
  file: string
  release: string
  etcdHost?: string
  etcdPort?: string
}

export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY)
}

export async function promptRenderOptions(given: {release?: string; etcdHost?: string; etcdPort?: string}): Promise<RenderAnswers> {
  if (!canPrompt()) {
    throw new UsageError('name the file to render (nova.conf, neutron.conf, ml2_conf.ini, dhcp_agent.ini or all)', {
      hint: 'felixctl asks interactively only when stdin and stdout are a terminal; for example: felixctl openstack render all --release kilo',
      code: 'no-tty',
    })
  }
  try {
    return await ask(given)
  } catch (error) {
    // Ctrl-C or a closed terminal: the user left the questions, which is not a felixctl bug.
    if ((error as Error)?.name === 'ExitPromptError') throw new UsageError('cancelled at the prompt; nothing rendered', {code: 'prompt-cancelled'})
    throw error
  }
}

async function ask(given: {release?: string; etcdHost?: string; etcdPort?: string}): Promise<RenderAnswers> {
  const {select, input, checkbox} = await import('@inquirer/prompts')
  const release = given.release ?? (await select({
    message: 'OpenStack release',
    choices: [...OPENSTACK_RELEASES].reverse().map((r) => ({name: releaseLabel(r), value: r.name})),
    default: DEFAULT_RELEASE.name,
    pageSize: 12,
  }))
  const files = await checkbox({
    message: 'Files to render',
    choices: FILE_KINDS.map((k) => ({name: k, value: k, checked: true})),
    required: true,
  })
  const etcdHost = given.etcdHost ?? ((await input({message: 'etcd host for the Calico mechanism driver (empty: leave the driver default)', default: ''})).trim() || undefined)
  const etcdPort = given.etcdPort ?? ((await input({
    message: 'etcd port (empty: leave the driver default)',
    default: '',
    validate: (v) => v.trim() === '' || /^\d+$/.test(v.trim()) || 'a port number, for example 2379',
  })).trim() || undefined)
  return {file: files.length === FILE_KINDS.length ? 'all' : files.join(','), release, etcdHost, etcdPort}
}
