/**
 * The simulated AT&T gateways in the built-in simulator: a Pace 5268AC at
 * `/`, a BGW320-505 at `/bgw320` and a BGW210-700 at `/bgw210` (each URL is
 * a device URL). A fault spoils the Pace's Broadband Status page; `nat-hang`
 * is the .ha gateways' own (their NAT page never answers a logged-in
 * request).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { countingOf, type Counting } from '../../../simulate/counters.js';
import { prepareFault, serveFault, type Fault, type FaultyPage } from '../../../simulate/faults.js';
import type { SimulatedContext, SimulatedMake } from '../../../simulate/make.js';
import { notAllowed, notFound, redirect, send } from '../../../simulate/reply.js';
import { BGW_MODELS, bgwBroadbandPage, bgwFiberPage, bgwLanPage, bgwLoginPage, bgwNatPage, bgwSystemPage, SIM_ACCESS_CODE, type BgwModel } from './bgw.js';
import { PACE_LAYOUTS, paceBroadbandPage, paceLanPage, paceNatPage, paceSystemPage, type PaceLayout } from './pace.js';

const BROADBAND_PATH = '/xslt?PAGE=C_1_0';
const MAX_FORM_BYTES = 4096;

/** The Broadband Status page as the faults spoil it: cut inside its traffic table, bad bytes before its first heading, the words its reader looks for. */
function faultyBroadband(layout: PaceLayout, body: string): FaultyPage {
  return {
    key: `pace-${layout}`,
    body,
    halfAt: body.indexOf('<h2>Traffic Statistics</h2>') + 40,
    badBytesAt: body.indexOf('Summary Status'),
    tokens: '<form IP Traffic ',
  };
}

/** The faults only a Pace page can show; false for the others. */
function servePaceFault(fault: Fault, page: string, res: ServerResponse): boolean {
  switch (fault) {
    case 'wrong-device':
      send(res, 200, '<?xml version="1.0" ?><ZPSupportInfo><ZPInfo><ZoneName>Den</ZoneName></ZPInfo></ZPSupportInfo>', 'text/xml');
      return true;
    case 'odd-values':
      send(res, 200, page.replace(/>(\s*)Errors(\s*)</, '>$1Faults$2<'));
      return true;
    case 'windows-1252': {
      const text = page.replace('charset=UTF-8', 'charset=windows-1252').replace('Summary Status', 'Summary Status \u00a9 \u00e9t\u00e9');
      send(res, 200, Buffer.from(text, 'latin1'), 'text/html');
      return true;
    }
    default:
      return false;
  }
}

const PACE_PAGES: ReadonlyMap<string, (t: Counting) => string> = new Map([
  ['/xslt?PAGE=C_0_0', paceSystemPage],
  ['/xslt?PAGE=C_2_5', paceLanPage],
  ['/xslt?PAGE=C_5_5', paceNatPage],
]);

/** Answers a Pace path; false when the path is no Pace page. */
function servePace(req: IncomingMessage, res: ServerResponse, path: string, layout: PaceLayout, ctx: SimulatedContext): boolean {
  const other = PACE_PAGES.get(path);
  if (path !== BROADBAND_PATH && path !== '/' && !other) return false;
  if (req.method !== 'GET') notAllowed(res);
  else if (other) send(res, 200, other(countingOf(ctx, '')));
  else if (path === '/') redirect(res, BROADBAND_PATH);
  else {
    const page = paceBroadbandPage(layout, countingOf(ctx, ''));
    const spoilt = ctx.fault !== 'none' && (servePaceFault(ctx.fault, page, res) || serveFault(ctx.fault, faultyBroadband(layout, page), res, ctx));
    if (!spoilt) send(res, 200, page);
  }
  return true;
}

/** A .ha gateway's login state. */
interface BgwState {
  readonly model: BgwModel;
  readonly nonces: Set<string>;
  readonly sessions: Set<string>;
}

function cookieSession(req: IncomingMessage): string | undefined {
  return /(?:^|;\s*)SessionID=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1];
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (d: string) => {
      body += d;
      if (body.length > MAX_FORM_BYTES) req.destroy();
    });
    req.on('end', () => {
      resolve(new URLSearchParams(body));
    });
    req.on('error', () => {
      resolve(new URLSearchParams());
    });
  });
}

/** .ha pages are windows-1252; everything we write fits in Latin-1. */
function sendHa(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(body, 'latin1');
  res.writeHead(status, { 'content-type': 'text/html', 'content-length': bytes.length, ...headers });
  res.end(bytes);
}

async function serveBgw(g: BgwState, path: string, req: IncomingMessage, res: ServerResponse, ctx: SimulatedContext): Promise<void> {
  const m = g.model;
  const elapsed = ctx.elapsed();
  const counting = countingOf(ctx, m.prefix);
  const loginPage = (message: string): string => {
    const n = randomBytes(32).toString('hex');
    g.nonces.add(n);
    if (g.nonces.size > 64) g.nonces.delete(g.nonces.values().next().value ?? '');
    return bgwLoginPage(message, n);
  };
  if (req.method === 'POST' && path === '/cgi-bin/login.ha') {
    const form = await readForm(req);
    const nonce = form.get('nonce') ?? '';
    const expected = createHash('md5')
      .update(SIM_ACCESS_CODE + nonce)
      .digest('hex');
    const valid = g.nonces.delete(nonce) && form.get('hashpassword') === expected && form.get('password') === '*'.repeat(SIM_ACCESS_CODE.length);
    if (!valid) {
      sendHa(res, 200, loginPage('The access code you entered is incorrect.'));
      return;
    }
    if (g.sessions.size >= ctx.maxSessions) {
      sendHa(res, 200, loginPage('All web server sessions are in use. Please try again later.'));
      return;
    }
    const id = randomBytes(16).toString('hex');
    g.sessions.add(id);
    sendHa(res, 200, bgwSystemPage(m, counting), { 'set-cookie': `SessionID=${id}; path=/; HttpOnly` });
    return;
  }
  if (req.method !== 'GET') {
    notAllowed(res);
    return;
  }
  switch (path) {
    case '/cgi-bin/broadbandstatistics.ha':
      sendHa(res, 200, bgwBroadbandPage(m, counting));
      return;
    case '/cgi-bin/lanstatistics.ha':
      sendHa(res, 200, bgwLanPage(m, counting));
      return;
    case '/cgi-bin/sysinfo.ha':
      sendHa(res, 200, bgwSystemPage(m, counting));
      return;
    case '/cgi-bin/fiberstat.ha':
      if (m.source === 'FIBER') sendHa(res, 200, bgwFiberPage(elapsed));
      else notFound(res);
      return;
    case '/cgi-bin/login.ha':
      sendHa(res, 200, loginPage(''));
      return;
    case '/cgi-bin/logout.ha': {
      const id = cookieSession(req);
      if (id !== undefined) g.sessions.delete(id);
      sendHa(res, 200, bgwLoginPage('You are logged out.', randomBytes(32).toString('hex')));
      return;
    }
    case '/cgi-bin/nattable.ha': {
      const id = cookieSession(req);
      if (id !== undefined && g.sessions.has(id)) {
        if (ctx.fault !== 'nat-hang') sendHa(res, 200, bgwNatPage(elapsed));
      } else redirect(res, `${m.prefix}/cgi-bin/login.ha`);
      return;
    }
    default:
      notFound(res);
  }
}

/** The simulated AT&T gateways. */
export const attSimulator: SimulatedMake = {
  // Both page families, and a model the family is found for.
  warmUp: (url) => [[`att-pace=${url}`], [`att=${url}`, `att=${url}/bgw210`]],
  start(ctx) {
    const wanted = ctx.options['layout'] ?? 'att';
    const layout = PACE_LAYOUTS.find((l) => l === wanted);
    if (layout === undefined) throw new Error(`unknown layout ${JSON.stringify(wanted)} (known: ${PACE_LAYOUTS.join(', ')})`);
    prepareFault(ctx.fault, faultyBroadband(layout, paceBroadbandPage(layout, { ms: 0, rebooted: false })));
    const bgws = BGW_MODELS.map((model): BgwState => ({ model, nonces: new Set(), sessions: new Set() }));
    return {
      handle(req, res, url) {
        const bgw = bgws.find((g) => url.startsWith(`${g.model.prefix}/`));
        if (!bgw) return servePace(req, res, url, layout, ctx);
        serveBgw(bgw, url.slice(bgw.model.prefix.length), req, res, ctx).catch(() => res.destroy());
        return true;
      },
      // Every .ha gateway takes the same access code: said once, with the first.
      describe: (baseUrl) => [
        `Pace 5268AC (layout ${layout}, fault ${ctx.fault}): --device att=${baseUrl}`,
        ...bgws.map(({ model: m }, i) => `${m.model}: --device att=${baseUrl}${m.prefix}${i === 0 ? ` (access code ${SIM_ACCESS_CODE})` : ''}`),
      ],
      demo: (baseUrl) => [`att=${baseUrl}`, ...bgws.map((g) => `att=${baseUrl}${g.model.prefix}`)],
      sessions: (prefix) => bgws.find((g) => g.model.prefix === prefix)?.sessions.size,
    };
  },
};
