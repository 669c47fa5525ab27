/** Name lookups as the C library does them: /etc/hosts entries and the names resolv.conf's search domains give. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostsEntries, searchNames } from '../../src/http/lookup.js';

describe('name lookups as the C library does them', () => {
  it("/etc/hosts: every address of the name or an alias, in the file's order, comments left out", () => {
    const hosts = '127.0.0.1 localhost\n# 192.0.2.9 gw\n192.0.2.7\tgw.lan gw  # the gateway\n2001:db8::7 gw\n192.0.2.8 other\n192.0.2.7 gw\n';
    assert.deepEqual(hostsEntries(hosts, 'gw'), [
      { address: '192.0.2.7', family: 4 },
      { address: '2001:db8::7', family: 6 },
    ]);
    assert.deepEqual(hostsEntries(hosts, 'GW.lan'.toLowerCase()), [{ address: '192.0.2.7', family: 4 }]);
    assert.deepEqual(hostsEntries(hosts, 'nowhere'), []);
  });

  it('resolv.conf: the search domains after a name with a dot, before one without; the last of search and domain counts', () => {
    const conf = 'nameserver 192.0.2.1\ndomain old.example\nsearch lan attlocal.net. # from DHCP\n';
    assert.deepEqual(searchNames(conf, 'dsldevice.lan'), ['dsldevice.lan', 'dsldevice.lan.lan', 'dsldevice.lan.attlocal.net']);
    assert.deepEqual(searchNames(conf, 'dsldevice'), ['dsldevice.lan', 'dsldevice.attlocal.net', 'dsldevice']);
    assert.deepEqual(searchNames(conf, 'gw.lan.'), ['gw.lan']);
    assert.deepEqual(searchNames(`${conf}options ndots:3 timeout:1\n`, 'a.b.c'), ['a.b.c.lan', 'a.b.c.attlocal.net', 'a.b.c']);
    assert.deepEqual(searchNames('', 'gw'), ['gw']);
  });
});
