import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {
  OsloIniParseError, decodeOsloText, findOsloAssignments, getOsloValue, insertOsloValue, parseOsloBool, parseOsloIni, parseOsloInt, parseOsloList,
  replaceOsloValue, serializeOsloIni,
} from '../../src/formats/oslo-ini.js'

// One row per rule of docs/reference/openstack.md §1: what oslo.config reads from a file.
const readRows: {name: string; text: string; section: string; key: string; want: string | undefined; count?: number}[] = [
  {name: 'plain key = value', text: '[DEFAULT]\ncore_plugin = ml2\n', section: 'DEFAULT', key: 'core_plugin', want: 'ml2'},
  {name: 'colon separator', text: '[DEFAULT]\ncore_plugin: ml2\n', section: 'DEFAULT', key: 'core_plugin', want: 'ml2'},
  {name: 'first of = and : splits', text: '[DEFAULT]\nurl = http://x:9696\n', section: 'DEFAULT', key: 'url', want: 'http://x:9696'},
  {name: 'colon before equals splits at colon', text: '[DEFAULT]\na:b=c\n', section: 'DEFAULT', key: 'a', want: 'b=c'},
  {name: 'no inline comments', text: '[DEFAULT]\ncore_plugin = ml2  # use ml2\n', section: 'DEFAULT', key: 'core_plugin', want: 'ml2  # use ml2'},
  {name: 'double quotes removed', text: '[DEFAULT]\nk = "a b"\n', section: 'DEFAULT', key: 'k', want: 'a b'},
  {name: 'single quotes removed', text: "[DEFAULT]\nk = 'a'\n", section: 'DEFAULT', key: 'k', want: 'a'},
  {name: 'mismatched quotes kept', text: '[DEFAULT]\nk = "a\'\n', section: 'DEFAULT', key: 'k', want: '"a\''},
  {name: 'last occurrence wins', text: '[DEFAULT]\nk = 1\nk = 2\n', section: 'DEFAULT', key: 'k', want: '2', count: 2},
  {name: 'repeated section adds up', text: '[a]\nk = 1\n[b]\nx = 0\n[a]\nk = 3\n', section: 'a', key: 'k', want: '3', count: 2},
  {name: 'section names case-insensitive', text: '[Neutron]\nservice_metadata_proxy = true\n', section: 'neutron', key: 'service_metadata_proxy', want: 'true'},
  {name: '[default] is not [DEFAULT]', text: '[default]\ncore_plugin = ml2\n', section: 'DEFAULT', key: 'core_plugin', want: undefined},
  {name: 'section name keeps spaces', text: '[ neutron ]\nk = v\n', section: 'neutron', key: 'k', want: undefined},
  {name: 'continuation lines join with newline', text: '[ml2]\nmechanism_drivers = calico,\n  openvswitch\n', section: 'ml2', key: 'mechanism_drivers', want: 'calico,\nopenvswitch'},
  {name: 'indented comment continues the value', text: '[DEFAULT]\nk = v\n  # not a comment\n', section: 'DEFAULT', key: 'k', want: 'v\n# not a comment'},
  {name: 'blank line ends the value', text: '[DEFAULT]\nk = v\n\nj = w\n', section: 'DEFAULT', key: 'k', want: 'v'},
  {name: 'comment lines # and ;', text: '[DEFAULT]\n# k = 1\n; k = 2\n', section: 'DEFAULT', key: 'k', want: undefined},
  {name: 'CRLF line ends', text: '[DEFAULT]\r\nk = v\r\n', section: 'DEFAULT', key: 'k', want: 'v'},
  {name: 'lone CR line ends', text: '[DEFAULT]\rk = v\r', section: 'DEFAULT', key: 'k', want: 'v'},
  {name: 'empty value', text: '[DEFAULT]\nk =\n', section: 'DEFAULT', key: 'k', want: ''},
  {name: 'keys are case-sensitive', text: '[DEFAULT]\nCore_Plugin = ml2\n', section: 'DEFAULT', key: 'core_plugin', want: undefined},
  {name: 'no final newline', text: '[DEFAULT]\nk = v', section: 'DEFAULT', key: 'k', want: 'v'},
]

const errorRows: {name: string; text: string; line: number; reason: RegExp}[] = [
  {name: 'text after ] of a header', text: '[DEFAULT]\n[neutron] # note\n', line: 2, reason: /must end with \]/},
  {name: 'empty section name', text: '[]\n', line: 1, reason: /Empty section name/},
  {name: 'assignment before any section (reported where oslo flushes it)', text: 'k = v\n[DEFAULT]\n', line: 2, reason: /Section must be started/},
  {name: 'no separator', text: '[DEFAULT]\njust words\n', line: 2, reason: /No ':' or '='/},
  {name: 'empty key', text: '[DEFAULT]\n= v\n', line: 2, reason: /Key cannot be empty/},
  {name: 'continuation without a key', text: '[DEFAULT]\n  indented\n', line: 2, reason: /Unexpected continuation/},
  {name: 'continuation after a comment', text: '[DEFAULT]\nk = v\n# c\n  more\n', line: 4, reason: /Unexpected continuation/},
  {name: 'a byte-order mark is not ignored', text: '\ufeff[DEFAULT]\nk = v\n', line: 1, reason: /No ':' or '='/},
]

describe('parseOsloIni: what oslo.config reads', () => {
  for (const row of readRows) {
    test(row.name, () => {
      const doc = parseOsloIni(row.text)
      assert.equal(getOsloValue(doc, row.section, row.key)?.value, row.want)
      if (row.count !== undefined) assert.equal(findOsloAssignments(doc, row.section, row.key).length, row.count)
      assert.equal(serializeOsloIni(doc), row.text, 'lossless')
    })
  }
})

describe('parseOsloIni: files oslo.config rejects', () => {
  for (const row of errorRows) {
    test(row.name, () => {
      assert.throws(() => parseOsloIni(row.text), (e: unknown) => {
        assert.ok(e instanceof OsloIniParseError)
        assert.equal(e.line, row.line)
        assert.match(e.reason, row.reason)
        return true
      })
    })
  }
  test('binary content is not text', () => {
    assert.throws(() => decodeOsloText(Buffer.from([0x5b, 0x00, 0xff])), OsloIniParseError)
    assert.throws(() => decodeOsloText(Buffer.from([0x5b, 0xc3, 0x28])), /not valid UTF-8/)
    assert.equal(decodeOsloText(Buffer.from('[DEFAULT]\nk = é\n')), '[DEFAULT]\nk = é\n')
  })
})

describe('oslo value types', () => {
  const bools: [string, boolean | undefined][] = [['true', true], ['True', true], ['YES', true], ['on', true], ['1', true], ['false', false], ['No', false], ['off', false], ['0', false], ['maybe', undefined], ['', undefined], ['t', undefined]]
  for (const [v, want] of bools) test(`bool ${JSON.stringify(v)}`, () => assert.equal(parseOsloBool(v), want))
  const ints: [string, number | undefined][] = [['9999', 9999], ['+5', 5], ['-1', -1], ['9_999', 9999], [' 7 ', 7], ['1.0', undefined], ['x', undefined], ['', undefined]]
  for (const [v, want] of ints) test(`int ${JSON.stringify(v)}`, () => assert.equal(parseOsloInt(v), want))
  const lists: [string, string[]][] = [['local, flat', ['local', 'flat']], ['local,flat,', ['local', 'flat']], ['', []], ['calico,\nopenvswitch', ['calico', 'openvswitch']], ['a,,b', ['a', '', 'b']]]
  for (const [v, want] of lists) test(`list ${JSON.stringify(v)}`, () => assert.deepEqual(parseOsloList(v), want))
})

describe('editing keeps every other byte', () => {
  const rows: {name: string; text: string; edit: (d: ReturnType<typeof parseOsloIni>) => ReturnType<typeof parseOsloIni>; want: string}[] = [
    {
      name: 'replace a value keeps the key spelling and separator',
      text: '[DEFAULT]\n# c\ncore_plugin:ml2 # x\nother = 1\n',
      edit: (d) => replaceOsloValue(d, getOsloValue(d, 'DEFAULT', 'core_plugin')!, 'neutron.plugins.ml2.plugin.Ml2Plugin'),
      want: '[DEFAULT]\n# c\ncore_plugin:neutron.plugins.ml2.plugin.Ml2Plugin\nother = 1\n',
    },
    {
      name: 'replace a multi-line value drops its continuation lines',
      text: '[ml2]\nmechanism_drivers = a,\n  b\n\n[x]\n',
      edit: (d) => replaceOsloValue(d, getOsloValue(d, 'ml2', 'mechanism_drivers')!, 'a,b,calico'),
      want: '[ml2]\nmechanism_drivers = a,b,calico\n\n[x]\n',
    },
    {
      name: 'insert after the commented sample line',
      text: '[neutron]\n# help\n#service_metadata_proxy = false\n\n# more\n#x = 1\n',
      edit: (d) => insertOsloValue(d, 'neutron', 'service_metadata_proxy', 'False'),
      want: '[neutron]\n# help\n#service_metadata_proxy = false\nservice_metadata_proxy = False\n\n# more\n#x = 1\n',
    },
    {
      name: 'insert after the last assignment of the last block, case-insensitive section',
      text: '[ML2]\na = 1\n\n[other]\nb = 2\n[ml2]\nc = 3\n  cont\n# tail\n',
      edit: (d) => insertOsloValue(d, 'ml2', 'mechanism_drivers', 'calico', {comments: ['why']}),
      want: '[ML2]\na = 1\n\n[other]\nb = 2\n[ml2]\nc = 3\n  cont\n# why\nmechanism_drivers = calico\n# tail\n',
    },
    {
      name: 'insert into an empty section goes right after the header',
      text: '[DEFAULT]\n\n[x]\n',
      edit: (d) => insertOsloValue(d, 'DEFAULT', 'k', 'v'),
      want: '[DEFAULT]\nk = v\n\n[x]\n',
    },
    {
      name: 'a missing section is appended; [default] does not count',
      text: '[default]\nk = v',
      edit: (d) => insertOsloValue(d, 'DEFAULT', 'k', 'w'),
      want: '[default]\nk = v\n\n[DEFAULT]\nk = w\n',
    },
    {
      name: 'CRLF files get CRLF lines',
      text: '[DEFAULT]\r\na = 1\r\n',
      edit: (d) => insertOsloValue(d, 'calico', 'etcd_host', 'h'),
      want: '[DEFAULT]\r\na = 1\r\n\r\n[calico]\r\netcd_host = h\r\n',
    },
    {
      name: 'insert after a last line without newline',
      text: '[DEFAULT]\na = 1',
      edit: (d) => insertOsloValue(d, 'DEFAULT', 'b', '2'),
      want: '[DEFAULT]\na = 1\nb = 2',
    },
  ]
  for (const row of rows) {
    test(row.name, () => {
      assert.equal(serializeOsloIni(row.edit(parseOsloIni(row.text))), row.want)
    })
  }
})
