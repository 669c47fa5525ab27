/**
 * The simulated Sonos household in the built-in simulator: each speaker at
 * `/sonos/N`, and SSDP answers for all of them on a loopback UDP port.
 */
import type { ServerResponse } from 'node:http';
import type { Fault } from '../../../simulate/faults.js';
import type { SimulatedMake } from '../../../simulate/make.js';
import { notAllowed, notFound, send } from '../../../simulate/reply.js';
import { descriptionPage, household, ifconfigPage, radioPage, reviewPage, startSsdp, zpPage, type ExtraInterfaces, type Speaker } from './sonos.js';

/** The interfaces a hostile first speaker adds at its `request`-th page of interfaces (counted from 0), by fault. */
function extraInterfaces(fault: Fault, request: number): ExtraInterfaces | undefined {
  if (fault === 'many-interfaces') return { count: 15_000, from: 0 };
  if (fault === 'new-interfaces') return { count: 2_000, from: request * 2_000 };
  return undefined;
}

function serveSpeaker(speakers: readonly Speaker[], s: Speaker, path: string, elapsed: number, extra: ExtraInterfaces | undefined, res: ServerResponse): void {
  if (s.forbidden) {
    send(res, 403, '<html><body><h1>Error 403 Forbidden</h1></body></html>');
    return;
  }
  const xml = (body: string): void => {
    send(res, 200, body, 'text/xml; charset=utf-8');
  };
  switch (path) {
    case '/status/ifconfig':
      xml(ifconfigPage(s, elapsed, s.index === 0 ? extra : undefined));
      return;
    case '/status/zp':
      xml(zpPage(s));
      return;
    case '/status/proc/ath_rincon/status':
      xml(radioPage(s));
      return;
    case '/xml/device_description.xml':
      xml(descriptionPage(s));
      return;
    case '/support/review':
      xml(reviewPage(speakers, elapsed, extra));
      return;
    default:
      notFound(res);
  }
}

/** A simulated speaker a test may want to find (one that refuses every request). */
export interface SimulatedSpeaker {
  /** URL prefix on the simulator: its device URL is the simulator's URL and this. */
  readonly prefix: string;
  /** Answers 403 to everything: the owner turned local access off. */
  readonly forbidden: boolean;
}

// What the simulated household adds to the running simulator (its extras), typed for the tests and tools that read it.
declare module '../../../simulate/server.js' {
  interface Simulator {
    /** The simulated speakers; each one's URL is `url + prefix`. */
    readonly speakers: readonly SimulatedSpeaker[];
    /** Loopback UDP port answering SSDP M-SEARCH for the speakers. */
    readonly ssdpPort: number;
  }
}

/** The simulated Sonos speakers. */
export const sonosSimulator: SimulatedMake = {
  // Speakers one by one, as most configs have them, and a household through one.
  warmUp: (url) => [[1, 2, 3].map((n) => `sonos=${url}/sonos/${n}`), [`sonos-household=${url}/sonos/1`]],
  start(ctx) {
    const wanted = ctx.options['speakers'];
    const speakers = household(typeof wanted === 'number' ? wanted : 4);
    let ssdp: Awaited<ReturnType<typeof startSsdp>> | undefined;
    // Pages listing the interfaces served so far: `new-interfaces` names them anew each time.
    let interfacePages = 0;
    return {
      extras: () => ({ speakers: speakers.map((s): SimulatedSpeaker => ({ prefix: s.prefix, forbidden: s.forbidden })), ssdpPort: ssdp?.port ?? 0 }),
      handle(req, res, url) {
        const speaker = speakers.find((sp) => url.startsWith(`${sp.prefix}/`));
        if (!speaker) return false;
        const path = url.slice(speaker.prefix.length);
        if (req.method !== 'GET') {
          notAllowed(res);
          return true;
        }
        const lists = path === '/support/review' || (path === '/status/ifconfig' && speaker.index === 0);
        const extra = lists ? extraInterfaces(ctx.fault, interfacePages++) : undefined;
        serveSpeaker(speakers, speaker, path, ctx.elapsed(), extra, res);
        return true;
      },
      async listen(baseUrl) {
        ssdp = await startSsdp(speakers, baseUrl);
      },
      describe(baseUrl) {
        const first = speakers[0];
        if (!first) return [];
        return [
          ...speakers.map((sp) => `Sonos "${sp.zone}" (${sp.model}${sp.forbidden ? ', answers 403' : ''}): --device sonos=${baseUrl}${sp.prefix}`),
          `the whole household: --device sonos-household=${baseUrl}${first.prefix}`,
          `SSDP answers on 127.0.0.1:${ssdp?.port ?? 0}: telegraf-homenet discover --target 127.0.0.1:${ssdp?.port ?? 0}`,
        ];
      },
      demo: (baseUrl) => (speakers[0] ? [`sonos-household=${baseUrl}${speakers[0].prefix}`] : []),
      async close() {
        await ssdp?.close();
        ssdp = undefined;
      },
    };
  },
};
