/**
 * The interactive questions of `openstack render` with no file kind (only on a TTY).
 * @inquirer/prompts is loaded lazily: only this path needs it.
 */
import {OPENSTACK_RELEASES, DEFAULT_RELEASE, releaseLabel} from './releases.js'
import {FILE_KINDS} from './requirements.js'

export interface RenderAnswers {
  file: string
  release: string
  etcdHost?: string
  etcdPort?: string
}

/** The questions; the caller checks for a TTY and handles Ctrl-C (src/cli/prompts.ts runPrompt). */
export async function promptRenderOptions(given: {release?: string; etcdHost?: string; etcdPort?: string}): Promise<RenderAnswers> {
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
