/**
 * A DNS server for the name-lookup figures and tests: it answers the names
 * it is given (A records; an empty answer for any other type, so that a
 * resolver asking A and AAAA at once gets both) and swallows every other
 * query, over UDP and TCP, as a DNS server that is down but still on the
 * network does (a gateway that is also the DNS server, rebooting).
 *
 * This is a measuring tool, not part of the program.
 */
import { createSocket } from 'node:dgram';
import { createServer, type Socket } from 'node:net';

/** A query the server received, and whether it was answered. */
export interface DnsQuery {
  readonly name: string;
  /** 1 for A, 28 for AAAA. */
  readonly type: number;
  readonly answered: boolean;
}

/** The question of a query: its name (lower case), type, and where the question ends in the packet. */
function question(packet: Buffer): { name: string; type: number; end: number } | undefined {
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    const len = packet[at];
    if (len === undefined || len > 63) return undefined;
    at++;
    if (len === 0) break;
    labels.push(
      packet
        .subarray(at, at + len)
        .toString('latin1')
        .toLowerCase(),
    );
    at += len;
  }
  if (at + 4 > packet.length) return undefined;
  return { name: labels.join('.'), type: packet.readUInt16BE(at), end: at + 4 };
}

/** The answer to `query`: its question repeated, and an A record when there is an address of that type. */
function answer(query: Buffer, end: number, type: number, address: string): Buffer {
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  // A response, recursion desired and available, no error.
  header.writeUInt16BE(0x8180, 2);
  header.writeUInt16BE(1, 4);
  const a = type === 1;
  header.writeUInt16BE(a ? 1 : 0, 6);
  const parts = [header, query.subarray(12, end)];
  if (a) {
    const record = Buffer.alloc(16);
    // The name by a pointer to the question's, type A, class IN, 60 s, 4 bytes.
    record.writeUInt16BE(0xc00c, 0);
    record.writeUInt16BE(1, 2);
    record.writeUInt16BE(1, 4);
    record.writeUInt32BE(60, 6);
    record.writeUInt16BE(4, 10);
    address.split('.').forEach((octet, i) => record.writeUInt8(Number(octet), 12 + i));
    parts.push(record);
  }
  return Buffer.concat(parts);
}

/** A running server: the queries so far, and what stops it. */
interface DnsServer {
  readonly queries: readonly DnsQuery[];
  close(): void;
}

/** Starts the server on `host`:`port` (UDP and TCP); `answers` maps a name (lower case) to its IPv4 address. */
export async function startDnsServer(answers: Readonly<Record<string, string>>, onQuery: (q: DnsQuery) => void = () => undefined, host = '127.0.0.1', port = 53): Promise<DnsServer> {
  const queries: DnsQuery[] = [];
  const seen = (q: DnsQuery): void => {
    queries.push(q);
    onQuery(q);
  };
  const udp = createSocket('udp4');
  udp.on('message', (packet, from) => {
    const q = question(packet);
    if (!q) return;
    const address = Object.hasOwn(answers, q.name) ? answers[q.name] : undefined;
    seen({ name: q.name, type: q.type, answered: address !== undefined });
    if (address !== undefined) udp.send(answer(packet, q.end, q.type, address), from.port, from.address);
  });
  // Over TCP too, every query is held and never answered (the names answered fit in UDP).
  const held: Socket[] = [];
  const tcp = createServer((socket) => {
    held.push(socket);
    socket.on('error', () => undefined);
    socket.on('data', (data) => {
      const q = question(data.subarray(2));
      if (q) seen({ name: q.name, type: q.type, answered: false });
    });
  });
  await new Promise<void>((resolve) => udp.bind(port, host, resolve));
  await new Promise<void>((resolve) => tcp.listen(port, host, resolve));
  return {
    queries,
    close: () => {
      udp.close();
      for (const s of held) s.destroy();
      tcp.close();
    },
  };
}
