/**
 * Devices given by name, in a network namespace of their own whose DNS
 * server answers some names and swallows every other query (a gateway that
 * is also the DNS server, rebooting): lookups under the deadline, the run
 * ending by itself with the other devices' lines, /etc/hosts and the DNS
 * server's answers used as the system resolver gives them. No query ever
 * leaves the namespace.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { startLab, type Lab } from '../../src/bench/lab.js';
import { Netns } from '../../src/bench/netns.js';
import { BIN, lines, runProgram } from '../support/helpers.js';
import { needs } from '../support/needs.js';

describe('a DNS server that never answers, six devices by name beside a good gateway', { skip: needs('netns') }, () => {
  // Without the fix, glibc would wait 30 s a query, five times: the run would outlast any Telegraf timeout.
  const resolv = 'nameserver 127.0.0.1\nsearch lan\noptions timeout:30 attempts:5\n';
  const hosts = '127.0.0.1 localhost\n::1 localhost\n127.0.0.1 gw-from-hosts.test\n';
  // Names unique to this run, so that its lookups can be told from any other's.
  const tag = `t${process.pid}`;
  const swallowed = [1, 2, 3, 4, 5, 6].map((i) => `spk${i}-${tag}.lan`);
  let ns: Netns;
  let lab: Lab;
  let dir = '';
  before(async () => {
    ns = new Netns({ 'resolv.conf': resolv, hosts });
    lab = await startLab({ simulators: [{}], dns: { [`dsldevice-${tag}.lan`]: '127.0.0.1' } }, ns);
    dir = mkdtempSync(`${tmpdir()}/homenet-dns-`);
  });
  after(async () => {
    await lab.stop();
    ns.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the run ends by itself with every line, while the DNS server still holds the queries it never answered', async () => {
    const port = new URL(lab.urls[0] ?? '').port;
    const ini = [
      'timeout = 2s',
      `[good]\ntype = att-pace\nurl = ${lab.urls[0] ?? ''}\ncollect = traffic`,
      `[hosts]\ntype = att-pace\nurl = http://gw-from-hosts.test:${port}\ncollect = traffic`,
      // A short name the search domain completes, as a gateway's DHCP hands it out.
      `[lan]\ntype = att-pace\nurl = http://dsldevice-${tag}:${port}\ncollect = traffic`,
      ...swallowed.map((name, i) => `[spk${i + 1}]\ntype = sonos\nurl = http://${name}:1400\ncollect = traffic`),
    ].join('\n');
    writeFileSync(`${dir}/dns.ini`, `${ini}\n`);
    const { program, args } = ns.command(process.execPath, [BIN, '--config', `${dir}/dns.ini`]);
    // The guard only stops a run that hangs (the old one took minutes); nothing here is timed.
    const r = await runProgram(program, args);
    assert.deepEqual([r.code, r.signal], [0, null], `it exited by itself: ${r.stderr}`);
    const scrapes = new Map(
      lines(r.stdout)
        .filter((l) => l.startsWith('homenet_scrape,'))
        .map((l) => [/host=([^,]+)/.exec(l)?.[1], l]),
    );
    // A name from /etc/hosts and one the DNS server answers (completed by the search domain) are found.
    for (const host of ['good', 'hosts', 'lan']) assert.match(scrapes.get(host) ?? '', / success=true,/, `${host}: ${r.stderr}`);
    assert.ok(lines(r.stdout).some((l) => l.startsWith('net,host=hosts ')));
    for (const [i, name] of swallowed.entries()) {
      const error = `name lookup of ${name} did not answer within 2000 ms (the device's timeout): the DNS server may be down; an IP address in url needs no lookup`;
      assert.match(scrapes.get(`spk${i + 1}`) ?? '', new RegExp(` success=false,duration_ms=\\d+i,values_omitted=0i,error="${error.replace(/[().]/g, '\\$&')}"$`));
      assert.equal(lines(r.stderr).filter((l) => l === `E! [spk${i + 1}] sonos http://${name}:1400/status/zp: ${error}`).length, 1, r.stderr);
    }
    assert.equal(lines(r.stderr).length, swallowed.length, r.stderr);
    // Every swallowed name was asked and never answered, and the server is still up holding them.
    const asked = new Set(
      lab
        .queries()
        .filter((q) => !q.answered)
        .map((q) => q.name),
    );
    assert.deepEqual(
      swallowed.filter((n) => !asked.has(n)),
      [],
      'each name was asked',
    );
    assert.ok(lab.running());
  });
});
