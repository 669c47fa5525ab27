/** capture's masking: addresses, serials, device IDs and nonces made placeholders, what the parsers read kept. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mask, Masker } from '../../src/capture.js';

describe('capture: masking', () => {
  it('masks addresses, MACs, serials, device IDs and nonces, and keeps what the parsers read', () => {
    const page = `<tr><th scope="row">Serial Number</th><td class="col2">SIM320X0004217</td></tr><tr><th>MAC Address</th><td>10:93:97:71:45:c1</td></tr>
<input name="nonce" value="${'ab'.repeat(32)}" /><td>203.0.113.77</td><td>fe80::1293:97ff:fe71:45c0</td><SerialNumber>5C-AA-FD-00-00-10:A</SerialNumber>
<LocalUID>RINCON_5CAAFD00001001400</LocalUID><td>Time Since Last Reboot</td><td>12:07:45:09</td><td>4294967295</td>`;
    const m = mask(page);
    for (const secret of ['SIM320X0004217', '10:93:97:71:45:c1', 'ab'.repeat(32), '203.0.113.77', 'fe80::1293', '5C-AA-FD', 'RINCON_5CAAFD']) {
      assert.ok(!m.includes(secret), `${secret} masked`);
    }
    assert.ok(m.includes('12:07:45:09') && m.includes('4294967295'), 'uptimes and counters stay');
  });

  it('gives each distinct serial, MAC, address and device ID its own placeholder, the same on every page, and keeps versions', () => {
    const masker = new Masker();
    const left = masker.mask(
      '<ZPInfo><SerialNumber>7A-11-22-00-00-10:B</SerialNumber><MACAddress>7A:11:22:00:00:10</MACAddress><IPAddress>192.168.1.20</IPAddress><LocalUID>RINCON_7A1122000010</LocalUID><HardwareVersion>1.20.1.6-1.2</HardwareVersion></ZPInfo>',
    );
    const right = masker.mask(
      '<ZPInfo><SerialNumber>7A-11-22-00-00-11:B</SerialNumber><MACAddress>7A:11:22:00:00:11</MACAddress><IPAddress>192.168.1.21</IPAddress><LocalUID>RINCON_7A1122000011</LocalUID><HardwareVersion>1.20.1.6-1.2</HardwareVersion></ZPInfo>',
    );
    const again = masker.mask('<serialNum>7A-11-22-00-00-10:B</serialNum> 192.168.1.20');
    assert.equal(
      left,
      '<ZPInfo><SerialNumber>SERIAL-MASKED-1</SerialNumber><MACAddress>02:00:00:00:00:01</MACAddress><IPAddress>192.0.2.1</IPAddress><LocalUID>RINCON_00000000000101400</LocalUID><HardwareVersion>1.20.1.6-1.2</HardwareVersion></ZPInfo>',
    );
    assert.equal(
      right,
      '<ZPInfo><SerialNumber>SERIAL-MASKED-2</SerialNumber><MACAddress>02:00:00:00:00:02</MACAddress><IPAddress>192.0.2.2</IPAddress><LocalUID>RINCON_00000000000201400</LocalUID><HardwareVersion>1.20.1.6-1.2</HardwareVersion></ZPInfo>',
    );
    assert.equal(again, '<serialNum>SERIAL-MASKED-1</serialNum> 192.0.2.1');
  });

  it('masks IPv6 addresses in digits only, the first address of a range, and a tenth MAC, and keeps times (issue 21, item 15)', () => {
    const masker = new Masker();
    const page = [
      '<td>2600:1700:5310:2000:1234:5678:9012:3456</td><td>2600:1700:5310:2070/60</td><td>2600:1700:10:20:30:40:50:60</td>',
      '<td>DHCP 192.168.1.64-192.168.1.253</td><td>Uptime 12:07:45:09, 1:02:03</td><td>1.20.1.6-1.2</td>',
      ...Array.from({ length: 11 }, (_, i) => `<td>7A:11:22:33:44:${(0x50 + i).toString(16)}</td>`),
    ].join('\n');
    const masked = masker.mask(page).split('\n');
    assert.deepEqual(masked.slice(0, 2), [
      '<td>2001:db8::1</td><td>2001:db8::2/60</td><td>2001:db8::3</td>',
      '<td>DHCP 192.0.2.1-192.0.2.2</td><td>Uptime 12:07:45:09, 1:02:03</td><td>1.20.1.6-1.2</td>',
    ]);
    // The tenth MAC's placeholder has a hex letter: it is not taken for an IPv6 address.
    assert.deepEqual(masked.slice(-2), ['<td>02:00:00:00:00:0A</td>', '<td>02:00:00:00:00:0B</td>']);
  });
});
