/**
 * A simulated Sonos household: N speakers, each at its own URL prefix, with
 * ifconfig, zp, device description, radio and review pages, and SSDP answers.
 * Speaker 1 and 2 are a stereo pair, speaker 3 has 64-bit counters, speaker 4
 * answers 403 (local access disabled); the others wrap at 2^32 like most
 * models. Under the `many-interfaces` and `new-interfaces` faults the first
 * speaker lists thousands of interfaces. All names, serials and numbers are
 * invented.
 */
import { createSocket, type Socket } from 'node:dgram';
import { countersAt, type Rate } from '../../../simulate/counters.js';
import { WRAP_32 } from '../../../lineprotocol.js';

/** A simulated speaker. */
export interface Speaker {
  readonly index: number;
  /** URL prefix on the simulator, e.g. `/sonos/3`. */
  readonly prefix: string;
  readonly zone: string;
  readonly room: string;
  readonly model: string;
  readonly modelNumber: string;
  readonly serial: string;
  readonly uid: string;
  readonly bits: 32 | 64;
  /** Answers 403 to everything: the owner turned local access off. */
  readonly forbidden: boolean;
}

const ZONES = ['Living Room (L)', 'Living Room (R)', "Kid's Room", 'Küche', 'Den & Bar', "Bureau d'été", 'Patio <Outdoor>'];
const MODELS: readonly [string, string][] = [
  ['Sonos One', 'S18'],
  ['Sonos One', 'S18'],
  ['Sonos Era 300', 'S41'],
  ['Sonos Five', 'S32'],
  ['Sonos Port', 'S35'],
  ['Sonos Roam', 'S27'],
];

/** The speakers of a household of `count`. */
export function household(count: number): Speaker[] {
  return Array.from({ length: count }, (_, index) => {
    const zone = ZONES[index] ?? `Room ${index + 1}`;
    const [model, modelNumber] = MODELS[index % MODELS.length] ?? ['Sonos One', 'S18'];
    const hex = (0x10 + index).toString(16).toUpperCase().padStart(2, '0');
    return {
      index,
      prefix: `/sonos/${index + 1}`,
      zone,
      room: zone.replace(/ \((L|R)\)$/, ''),
      model,
      modelNumber,
      serial: `5C-AA-FD-00-00-${hex}:A`,
      uid: `RINCON_5CAAFD0000${hex}01400`,
      bits: index === 2 ? 64 : 32,
      forbidden: index === 3,
    };
  });
}

function xmlText(s: string): string {
  return s.replace(/[&<>'"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

function mac(s: Speaker): string {
  return s.serial.slice(0, 17).replace(/-/g, ':');
}

/** br0 counters, 32-bit ones starting 20 s (speaker 1) to a few minutes before their wrap. */
function bridgeRates(s: Speaker): Record<'rx_bytes' | 'tx_bytes' | 'rx_pkts' | 'tx_pkts' | 'rx_drop', Rate> {
  const perSecond = BigInt(40_000 + s.index * 15_000);
  const start = s.bits === 64 ? 27_000_000_000n + BigInt(s.index) * 1_000_000n : WRAP_32 - perSecond * BigInt(20 + s.index * 40);
  return {
    rx_bytes: { start, perSecond },
    tx_bytes: { start: 1_500_000_000n + BigInt(s.index) * 7_000_000n, perSecond: 3_000n },
    rx_pkts: { start: 52_000_000n + BigInt(s.index) * 1_000n, perSecond: 40n },
    tx_pkts: { start: 3_800_000n + BigInt(s.index) * 100n, perSecond: 6n },
    rx_drop: { start: 1_200_000n, perSecond: 1n },
  };
}

/** Interfaces a hostile first speaker lists besides its own (`many-interfaces`, `new-interfaces`), from the `request`-th on. */
export interface ExtraInterfaces {
  readonly count: number;
  /** Number of the first one's name: the same at every request, or new names every time. */
  readonly from: number;
}

/**
 * `count` interface blocks named `veth<from>`, `veth<from+1>` ..., each
 * with a packet counted (an idle one would not be printed): about 240
 * bytes each, so 15,000 make 3.4 MiB, under the 4 MiB a page may have.
 */
function extraBlocks(extra: ExtraInterfaces): string {
  // The same 15,000 at every request of `many-interfaces`: built once.
  if (lastExtra?.count === extra.count && lastExtra.from === extra.from) return lastExtra.text;
  const blocks: string[] = [];
  for (let i = extra.from; i < extra.from + extra.count; i++) {
    const hw = `02:00:${[i >>> 24, i >>> 16, i >>> 8, i].map((b) => (b & 0xff).toString(16).padStart(2, '0')).join(':')}`;
    blocks.push(`${`veth${i}`.padEnd(10)}Link encap:Ethernet  HWaddr ${hw}  
          RX packets:${i + 1} errors:0 dropped:0 overruns:0 frame:0
          TX packets:1 errors:0 dropped:0 overruns:0 carrier:0
          RX bytes:${i + 100} (0.1 KiB)  TX bytes:100 (0.1 KiB)
`);
  }
  lastExtra = { ...extra, text: blocks.join('\n') };
  return lastExtra.text;
}
let lastExtra: (ExtraInterfaces & { readonly text: string }) | undefined;

/** busybox ifconfig text; layouts vary by speaker as they do by hardware. `extra` interfaces come right after the first one. */
function ifconfigText(s: Speaker, elapsedMs: number, extra?: ExtraInterfaces): string {
  const c = countersAt(bridgeRates(s), elapsedMs, s.bits);
  const ip = `127.0.0.1`;
  const inet6 =
    [
      '',
      `          inet6 addr: fe80::5eaa:fdff:fe00:${s.index + 16}/64 Scope:Link\n`,
      `          inet6 addr: fd00:db8::${s.index + 16}/64 Scope:Global\n          inet6 addr: fe80::5eaa:fdff:fe00:${s.index + 16}/64 Scope:Link\n`,
    ][s.index % 3] ?? '';
  const block = (name: string, body: string): string => `${name.padEnd(10)}Link encap:Ethernet  HWaddr ${mac(s)}  \n${body}`;
  const zeros = `          UP BROADCAST MULTICAST  MTU:1500  Metric:1
          RX packets:0 errors:0 dropped:0 overruns:0 frame:0
          TX packets:0 errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:1000 
          RX bytes:0 (0.0 B)  TX bytes:0 (0.0 B)
`;
  const blocks = [
    block(
      'ath0',
      `          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1
          RX packets:0 errors:0 dropped:0 overruns:0 frame:0
          TX packets:0 errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:199 
          RX bytes:0 (0.0 B)  TX bytes:0 (0.0 B)
`,
    ),
    block(
      'br0',
      `          inet addr:${ip}  Bcast:127.255.255.255  Mask:255.0.0.0
${inet6}          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1
          RX packets:${c.rx_pkts} errors:0 dropped:${c.rx_drop} overruns:0 frame:0
          TX packets:${c.tx_pkts} errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:1000 
          RX bytes:${c.rx_bytes} (${(Number(c.rx_bytes) / 2 ** 30).toFixed(1)} GiB)  TX bytes:${c.tx_bytes} (${(Number(c.tx_bytes) / 2 ** 30).toFixed(1)} GiB)
`,
    ),
    block('eth0', s.index % 2 === 0 ? zeros : zeros.replace('collisions:0 txqueuelen:1000 \n', 'collisions:0 txqueuelen:1000 \n          Interrupt:60 Base address:0x4000 \n')),
    `lo        Link encap:Local Loopback  
          inet addr:127.0.0.1  Mask:255.0.0.0
          UP LOOPBACK RUNNING  MTU:65536  Metric:1
          RX packets:1863 errors:0 dropped:0 overruns:0 frame:0
          TX packets:1863 errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:1 
          RX bytes:668100 (652.4 KiB)  TX bytes:668100 (652.4 KiB)
`,
  ];
  // Some hardware has no wired port at all.
  if (s.modelNumber === 'S27') blocks.splice(2, 1);
  if (extra) blocks.splice(1, 0, extraBlocks(extra));
  return blocks.join('\n');
}

function zpInfo(s: Speaker): string {
  return `<ZPInfo><ZoneName>${xmlText(s.zone)}</ZoneName><ZoneIcon></ZoneIcon><LocalUID>${s.uid}</LocalUID><SerialNumber>${s.serial}</SerialNumber><SoftwareVersion>85.0-64200</SoftwareVersion><SWGen>2</SWGen><HardwareVersion>1.${20 + s.index}.1.6-1.2</HardwareVersion><IPAddress>127.0.0.1</IPAddress><MACAddress>${mac(s)}</MACAddress><Copyright>© 2003-2026, Sonos, Inc. All rights reserved.</Copyright></ZPInfo>`;
}

function radioText(s: Speaker): string {
  return `Debug info for INFRA mode at ${1_000_000 + s.index}

Mode: INFRA (sonosnet)
Operating on channel 2437
   IEEE channel: 6
RF Chains: RX:2 TX:2
Noise Floor: -${100 + s.index} dBm (chain 0 ctl)
Noise Floor: -${98 + s.index} dBm (chain 1 ctl)
PHY errors since last reading/reset: ${1200 + s.index}    
OFDM ANI level: ${(s.index % 9) + 1}
`;
}

const XML_HEAD = '<?xml version="1.0" ?>\n<?xml-stylesheet type="text/xsl" href="/xml/review.xsl"?>';

/** `/status/ifconfig`. */
export function ifconfigPage(s: Speaker, elapsedMs: number, extra?: ExtraInterfaces): string {
  return `${XML_HEAD}<ZPSupportInfo><Command cmdline='/sbin/ifconfig'>${xmlText(ifconfigText(s, elapsedMs, extra))}</Command><!-- SDT: 3 ms --></ZPSupportInfo>`;
}

/** `/status/zp`. */
export function zpPage(s: Speaker): string {
  return `${XML_HEAD}<ZPSupportInfo>${zpInfo(s)}<!-- SDT: 1 ms --></ZPSupportInfo>`;
}

/** `/status/proc/ath_rincon/status`. */
export function radioPage(s: Speaker): string {
  return `${XML_HEAD}<ZPSupportInfo><File name='/proc/ath_rincon/status'>${xmlText(radioText(s))}</File><!-- SDT: 2 ms --></ZPSupportInfo>`;
}

/** `/xml/device_description.xml`: both speakers of a pair share the roomName. */
export function descriptionPage(s: Speaker): string {
  return `<?xml version="1.0" encoding="utf-8" ?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
  <specVersion><major>1</major><minor>0</minor></specVersion>
  <device>
    <deviceType>urn:schemas-upnp-org:device:ZonePlayer:1</deviceType>
    <friendlyName>127.0.0.1 - ${xmlText(s.model)} - ${s.uid}</friendlyName>
    <manufacturer>Sonos, Inc.</manufacturer>
    <modelNumber>${s.modelNumber}</modelNumber>
    <modelDescription>${xmlText(s.model)}</modelDescription>
    <modelName>${xmlText(s.model)}</modelName>
    <softwareVersion>85.0-64200</softwareVersion>
    <swGen>2</swGen>
    <hardwareVersion>1.${20 + s.index}.1.6-1.2</hardwareVersion>
    <serialNum>${s.serial}</serialNum>
    <MACAddress>${mac(s)}</MACAddress>
    <UDN>uuid:${s.uid}</UDN>
    <roomName>${xmlText(s.room)}</roomName>
    <displayName>${xmlText(s.model.replace(/^Sonos /, ''))}</displayName>
    <iconList><icon><mimetype>image/png</mimetype><width>48</width><height>48</height><depth>24</depth><url>/img/icon-S18.png</url></icon></iconList>
${serviceList(ROOT_SERVICES)}
    <deviceList>
      <device>
        <deviceType>urn:schemas-upnp-org:device:MediaServer:1</deviceType>
        <friendlyName>127.0.0.1 - ${xmlText(s.model)} Media Server - ${s.uid}</friendlyName>
        <UDN>uuid:${s.uid}_MS</UDN>
${serviceList(['ContentDirectory', 'ConnectionManager'])}
      </device>
      <device><deviceType>urn:schemas-upnp-org:device:MediaRenderer:1</deviceType><roomName>ignored nested room</roomName>
${serviceList(['RenderingControl', 'ConnectionManager', 'AVTransport', 'Queue', 'GroupRenderingControl', 'VirtualLineIn'])}
      </device>
    </deviceList>
  </device>
</root>
`;
}

/** The root device's services, as a speaker lists them after its own fields: most of a real description is such lists. */
const ROOT_SERVICES = ['AlarmClock', 'MusicServices', 'AudioIn', 'DeviceProperties', 'SystemProperties', 'ZoneGroupTopology', 'GroupManagement', 'QPlay'];

/** A `<serviceList>` of UPnP services by name. */
function serviceList(names: readonly string[]): string {
  const service = (n: string): string =>
    `      <service>\n        <serviceType>urn:schemas-upnp-org:service:${n}:1</serviceType>\n        <serviceId>urn:upnp-org:serviceId:${n}</serviceId>\n        <controlURL>/${n}/Control</controlURL>\n        <eventSubURL>/${n}/Event</eventSubURL>\n        <SCPDURL>/xml/${n}1.xml</SCPDURL>\n      </service>`;
  return `    <serviceList>\n${names.map(service).join('\n')}\n    </serviceList>`;
}

// Each speaker's part of a real review page is about 15 KB, mostly bridge and LED tables.
const FILLER_ROW = 'port 1 (ath0)\n designated root\t\t9800.5caafd000010\tpath cost\t\t  150\n designated bridge\t9800.5caafd000010\tmessage age timer\t   0.00\n';

/** `/support/review`: the whole household (`extra` interfaces in the first speaker's part). */
export function reviewPage(speakers: readonly Speaker[], elapsedMs: number, extra?: ExtraInterfaces): string {
  const parts = speakers.map(
    (s) =>
      `<ZPSupportInfo><EnetPorts><Port port='0'><Link>${s.index % 2}</Link><Speed>100</Speed></Port></EnetPorts>${zpInfo(s)}<!-- SDT: 1 ms --><File name='/proc/ath_rincon/status'>${xmlText(radioText(s))}</File><Command cmdline='/sbin/ifconfig'>${xmlText(ifconfigText(s, elapsedMs, s.index === 0 ? extra : undefined))}</Command><Command cmdline='/usr/sbin/brctl showstp br0'>${FILLER_ROW.repeat(90)}</Command></ZPSupportInfo>`,
  );
  return `<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="/xml/review.xsl"?><ZPNetworkInfo type = 'User'>${parts.join('')}</ZPNetworkInfo>`;
}

/** The SSDP search target of Sonos players. */
export const ZONEPLAYER_ST = 'urn:schemas-upnp-org:device:ZonePlayer:1';

/**
 * Answers SSDP M-SEARCH requests on a loopback UDP port with one reply per
 * speaker (unicast to the asker, as real players do).
 */
export async function startSsdp(speakers: readonly Speaker[], baseUrl: string): Promise<{ port: number; close: () => Promise<void> }> {
  const socket: Socket = createSocket('udp4');
  socket.on('message', (msg, from) => {
    const text = msg.toString('latin1');
    if (!/^M-SEARCH \* HTTP\/1\.1\r\n/i.test(text)) return;
    const st = /^ST:\s*(.+?)\s*$/im.exec(text)?.[1] ?? '';
    if (st !== ZONEPLAYER_ST && st !== 'ssdp:all') return;
    for (const s of speakers) {
      const reply = [
        'HTTP/1.1 200 OK',
        'CACHE-CONTROL: max-age = 1800',
        'EXT:',
        `LOCATION: ${baseUrl}${s.prefix}/xml/device_description.xml`,
        'SERVER: Linux UPnP/1.0 Sonos/85.0-64200 (ZPS18)',
        `ST: ${ZONEPLAYER_ST}`,
        `USN: uuid:${s.uid}::${ZONEPLAYER_ST}`,
        'X-RINCON-HOUSEHOLD: Sonos_SimulatedHousehold0001',
        `X-RINCON-BOOTSEQ: ${40 + s.index}`,
        '',
        '',
      ].join('\r\n');
      socket.send(reply, from.port, from.address);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return {
    port: socket.address().port,
    close: () =>
      new Promise<void>((resolve) => {
        socket.close(() => {
          resolve();
        });
      }),
  };
}
