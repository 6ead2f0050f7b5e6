/**
 * OpenStack releases in order (docs/reference/openstack.md §3) and what changes with them.
 * Adding a release is adding a row.
 */
import {NotFoundError} from '../errors.js'
import {didYouMean} from '../lib/did-you-mean.js'

export interface OpenStackRelease {
  /** Canonical name, capitalised: `Zed`, `Antelope`. */
  name: string
  /** The official `YYYY.N` number (from Yoga, 2022.1, on). */
  number?: string
  /** Position in the release order (Havana = 0). */
  index: number
}

const NAMES: [string, string?][] = [
  ['Havana'], ['Icehouse'], ['Juno'], ['Kilo'], ['Liberty'], ['Mitaka'], ['Newton'], ['Ocata'], ['Pike'],
  ['Queens'], ['Rocky'], ['Stein'], ['Train'], ['Ussuri'], ['Victoria'], ['Wallaby'], ['Xena'], ['Yoga', '2022.1'], ['Zed', '2022.2'],
  ['Antelope', '2023.1'], ['Bobcat', '2023.2'], ['Caracal', '2024.1'], ['Dalmatian', '2024.2'], ['Epoxy', '2025.1'], ['Flamingo', '2025.2'],
]

export const OPENSTACK_RELEASES: readonly OpenStackRelease[] = NAMES.map(([name, number], index) => ({name, number, index}))

/** The default for `--release`: the newest release felixctl knows. */
export const DEFAULT_RELEASE: OpenStackRelease = OPENSTACK_RELEASES[OPENSTACK_RELEASES.length - 1]

const index = (name: string) => OPENSTACK_RELEASES.findIndex((r) => r.name === name)
const JUNO = index('Juno')
const LIBERTY = index('Liberty')
const NEWTON = index('Newton')

export function releaseLabel(r: OpenStackRelease): string {
  return r.number ? `${r.number} ${r.name}` : r.name
}

/** All accepted spellings, for help texts and error messages. */
export function releaseNamesForHelp(): string {
  return OPENSTACK_RELEASES.map(releaseLabel).join(', ')
}

/**
 * A release from its name (any case), its `YYYY.N` number, or both (`2023.1 Antelope`,
 * `2023.1-antelope`). Unknown: NotFoundError (exit 4) listing the valid ones.
 */
export function resolveOpenStackRelease(input: string | undefined): OpenStackRelease {
  if (input === undefined || input.trim() === '') return DEFAULT_RELEASE
  const s = input.trim().toLowerCase()
  const found = OPENSTACK_RELEASES.find((r) => {
    const n = r.name.toLowerCase()
    if (s === n || s === r.number) return true
    return r.number !== undefined && (s === `${r.number} ${n}` || s === `${r.number}-${n}` || s === `${r.number}.${n}`)
  })
  if (found) return found
  const candidates = OPENSTACK_RELEASES.flatMap((r) => (r.number ? [r.name, r.number] : [r.name]))
  const close = didYouMean(input, candidates, 2)
  const hint = (close.length ? `did you mean ${close.join(' or ')}? ` : '') + `valid releases, oldest first: ${releaseNamesForHelp()}`
  throw new NotFoundError(`unknown OpenStack release "${input}"`, {hint, code: 'unknown-release'})
}

/** Havana, Icehouse, Juno, Kilo: need dhcp_agents_per_network and the patched DHCP agent (§2). */
export function isPreLiberty(r: OpenStackRelease): boolean {
  return r.index < LIBERTY
}

export interface MetadataProxyOption {
  section: string
  key: string
}

/** Where the release reads nova's metadata-proxy switch (§2, nova.conf). */
export function metadataProxyOption(r: OpenStackRelease): MetadataProxyOption {
  return r.index < JUNO ? {section: 'DEFAULT', key: 'service_neutron_metadata_proxy'} : {section: 'neutron', key: 'service_metadata_proxy'}
}

/**
 * The deprecated `[DEFAULT] service_neutron_metadata_proxy` alias that Juno kept "for some
 * releases". felixctl treats Juno to Mitaka as honouring it (nova's options moved to
 * nova/conf/ in Newton without the alias); from Newton on it is ignored (§2).
 */
export function metadataProxyAliases(r: OpenStackRelease): MetadataProxyOption[] {
  return r.index >= JUNO && r.index < NEWTON ? [{section: 'DEFAULT', key: 'service_neutron_metadata_proxy'}] : []
}
