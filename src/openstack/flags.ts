/** Flags shared by the openstack commands. */
import * as Flags from '@oclif/core/flags'
import {DEFAULT_RELEASE, releaseLabel, releaseNamesForHelp} from './releases.js'

export const releaseFlag = Flags.string({
  summary: `OpenStack release name or YYYY.N number, case-insensitive (default: the newest, ${releaseLabel(DEFAULT_RELEASE)}).`,
  description: `${releaseNamesForHelp()}.`,
  helpValue: 'NAME',
})

export const etcdFlags = {
  'etcd-host': Flags.string({summary: '[calico] etcd_host for the Neutron mechanism driver (omitted unless given).', helpValue: 'HOST'}),
  // A string, validated by the service, so that a non-numeric port is a usage error with a clear message.
  'etcd-port': Flags.string({summary: '[calico] etcd_port for the Neutron mechanism driver (omitted unless given).', helpValue: 'PORT'}),
  'etcd-key-file': Flags.string({summary: '[calico] etcd_key_file: client key for TLS (sets etcd_scheme = https).', helpValue: 'PATH'}),
  'etcd-cert-file': Flags.string({summary: '[calico] etcd_cert_file: client certificate for TLS (sets etcd_scheme = https).', helpValue: 'PATH'}),
  'etcd-ca-cert-file': Flags.string({summary: '[calico] etcd_ca_cert_file: CA certificate for TLS (sets etcd_scheme = https).', helpValue: 'PATH'}),
}
