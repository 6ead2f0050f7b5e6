/**
 * The words shell completion offers for values no flag `options` list can hold (they are
 * case-insensitive, or live in a snapshot): `felixctl complete KIND` prints them, one per line.
 * docs/output-formats.md (Shell completion) shows how bash and zsh call it beside oclif's
 * plugin-autocomplete, which completes command names, flags and the fixed option lists
 * (`--layer`, `--datastore-type`) itself.
 */
import {UsageError} from '../errors.js'
import {getRegistry} from '../params/index.js'
import {releaseCompletionWords} from '../openstack/releases.js'
import {FILE_KINDS} from '../openstack/requirements.js'

export const COMPLETION_KINDS = ['params', 'layers', 'openstack-kinds', 'releases', 'hosts'] as const
export type CompletionKind = (typeof COMPLETION_KINDS)[number]

/** The layers `config set|unset --layer` takes (the flag's own options, for shells that do not read them). */
export const WRITE_LAYERS = ['global', 'host', 'file', 'env'] as const

export async function completionWords(kind: CompletionKind, options: {felixVersion?: string; snapshot?: string}): Promise<string[]> {
  switch (kind) {
    case 'params':
      return getRegistry(options.felixVersion).params.map((p) => p.name)
    case 'layers':
      return [...WRITE_LAYERS]
    case 'openstack-kinds':
      return [...FILE_KINDS, 'all']
    case 'releases':
      return releaseCompletionWords()
    case 'hosts': {
      if (options.snapshot === undefined) throw new UsageError('complete hosts reads the host directories of a snapshot: give --snapshot FILE', {hint: 'felixctl datastore export > snap.json; felixctl complete hosts --snapshot snap.json'})
      const {snapshotHostDirs} = await import('./felix-datastore.js')
      return snapshotHostDirs(options.snapshot)
    }
  }
}
