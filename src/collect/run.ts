/**
 * One device's run within a gather: which page family it serves, who it
 * says it is, its pages in order (each fetched once, behind the login where
 * marked), what describing pages said repeated instead of asked again, and
 * each page's extracts.
 */
import { defaultAreas, DEVICE_KINDS, extractPage, type Area, type Family, type PageSpec, type PageText } from '../devices/index.js';
import { Ahead } from './ahead.js';
import { nowNs } from '../clock.js';
import { DeviceGather, pageUrl } from './gather.js';
import { FetchError, type FetchedPage } from '../http/index.js';
import { fetchWithLogin, logout } from './session.js';

/**
 * Finds the device's family: the first whose first page answers and is that
 * page. Returns the family and that page, already fetched.
 */
async function detectFamily(g: DeviceGather, families: readonly Family[]): Promise<{ family: Family; first: FetchedPage } | undefined> {
  // The family found before is asked first; if its page is gone (another
  // model at the same address), the others are tried.
  const known = g.state.family;
  const candidates = known ? [known, ...families.filter((f) => f !== known)] : families;
  const tried: string[] = [];
  for (const family of candidates) {
    const spec = family.pages[0];
    if (!spec) continue;
    try {
      const page = await g.fetch(spec.path);
      if (spec.recognize(page.body)) return { family, first: page };
      tried.push(`${spec.path} is not a ${family.description} page`);
    } catch (err) {
      // Only "no such page" means "try the next family"; a dead device is dead.
      if (!(err instanceof FetchError) || err.status !== 404 || candidates.length === 1) throw err;
      tried.push(`${spec.path}: HTTP 404`);
    }
  }
  const first = candidates[0]?.pages[0]?.path ?? '/';
  g.fail(first, candidates.length === 1 ? tried.join('; ') : `not a supported gateway (${tried.join('; ')})`);
  return undefined;
}

/** A page of this gather, fetched once (after logging in, for pages behind the login). */
async function getPage(g: DeviceGather, family: Family, spec: PageSpec, now: number): Promise<PageText | undefined> {
  const cached = g.pages.get(spec);
  if (cached) {
    g.ahead?.next(spec);
    return cached;
  }
  const early = g.ahead?.take(spec);
  // A page sent ahead becomes the page in flight: a failure that ends the device names it.
  if (early) g.current = pageUrl(g.device.url, spec.path);
  const asked = early ?? (spec.login === true ? fetchWithLogin(g, family, spec, now) : g.fetch(spec.path));
  // The next page goes out beside this one, when a second connection is free.
  g.ahead?.next(spec);
  const page = await asked;
  if (page) g.pages.set(spec, page);
  return page;
}

/**
 * The pages this gather will ask, in the order it asks them, that may be
 * sent ahead of their turn (ahead.ts): the first naming page when the name
 * is due, then each page an area wants and no remembered description
 * stands for; none behind the login.
 */
function aheadPlan(g: DeviceGather, family: Family, areas: ReadonlySet<Area>, now: number, remembering: boolean): PageSpec[] {
  const plan: PageSpec[] = [];
  const naming = family.pages.find((p) => p.identify !== undefined);
  if (naming && !g.device.hostExplicit && nameDue(g, now)) plan.push(naming);
  for (const spec of family.pages) {
    if (plan.includes(spec) || !spec.extracts.some((e) => areas.has(e.area))) continue;
    const described = remembering ? g.state.described?.get(spec) : undefined;
    if (described && described.until > now && described.until - now <= (spec.describesMs ?? 0)) continue;
    plan.push(spec);
  }
  return plan.filter((p) => p.login !== true);
}

/** Whether the device's name for itself is to be read (again) in this gather. */
function nameDue(g: DeviceGather, now: number): boolean {
  const { identity, identifiedAt } = g.state;
  return identity === undefined || identifiedAt === undefined || now < identifiedAt || now - identifiedAt >= IDENTITY_REFRESH_MS;
}

/** How long a device's name for itself is used before it is asked again: a renamed room shows within this. */
export const IDENTITY_REFRESH_MS = 10 * 60_000;

/**
 * The host tag the device gives itself, from its identity pages in order
 * (a Sonos zone name, else room name and serial), asked again every
 * {@link IDENTITY_REFRESH_MS}. A device that answers none of them is down:
 * that error ends the gather (and its lines keep the name it had).
 */
async function identify(g: DeviceGather, family: Family, now: number, again = false): Promise<string | undefined> {
  if (!again && !nameDue(g, now)) return g.state.identity;
  let firstError: { err: FetchError; url: URL } | undefined;
  for (const spec of family.pages.filter((p) => p.identify !== undefined)) {
    try {
      const page = await getPage(g, family, spec, now);
      const id = page && (await spec.identify?.(page, g.pace));
      if (id) {
        if (id.note !== undefined) g.omitted.push({ url: pageUrl(g.device.url, spec.path).href, message: id.note });
        g.state.identity = id.host;
        g.state.identifiedAt = now;
        return id.host;
      }
    } catch (err) {
      if (!(err instanceof FetchError) || g.signal.aborted || err.unreachable) throw err;
      firstError ??= { err, url: g.current };
    }
  }
  if (firstError) {
    g.current = firstError.url;
    throw firstError.err.status === 404 ? notThisKind(g, firstError.err) : firstError.err;
  }
  return undefined;
}

/**
 * Whether another device now answers at this URL: `page` shows a hardware
 * address other than the one seen before (a speaker swapped in, given the
 * old one's address by DHCP). What the old one's describing pages said is
 * then forgotten, and its name is read again at once, not up to
 * {@link IDENTITY_REFRESH_MS} later.
 */
function anotherDevice(g: DeviceGather, spec: PageSpec, page: PageText): boolean {
  const seen = spec.hardware?.(page.body);
  if (seen === undefined) return false;
  const known = g.state.hardware;
  g.state.hardware = seen;
  if (known === undefined || known === seen) return false;
  delete g.state.described;
  return true;
}

/**
 * The device's first page is not there: another kind of device answers at
 * this address. One line saying so, with what to check, instead of one
 * 404 per page.
 */
function notThisKind(g: DeviceGather, err: FetchError): FetchError {
  const kind = DEVICE_KINDS.get(g.device.type);
  const hint = kind ? `: nothing here answers as a type = ${kind.type} device; ${kind.notFoundHint}` : '';
  return new FetchError(`${err.message}${hint}`, err.status, true);
}

export async function gatherPages(g: DeviceGather): Promise<string | undefined> {
  const kind = DEVICE_KINDS.get(g.device.type);
  if (!kind) throw new Error(`no device kind ${g.device.type}`);
  const [only] = kind.families;
  let family: Family;
  if (kind.families.length === 1 && only) {
    family = only;
  } else {
    const detected = await detectFamily(g, kind.families);
    if (!detected) return undefined;
    family = detected.family;
    const first = family.pages[0];
    if (first) g.pages.set(first, detected.first);
  }
  g.family = family;
  g.state.family = family;
  const areas = g.device.areas ?? defaultAreas(family);
  const ctx = { measurement: g.config.measurement, settings: g.device.settings };
  const now = (g.options.now ?? g.clock.wallMs)();
  const remembering = g.options.keepSessions === true || g.options.remember === true;
  const spare = g.spare;
  if (spare)
    g.ahead = new Ahead(
      aheadPlan(g, family, areas, now, remembering),
      spare,
      (spec) => g.request(pageUrl(g.device.url, spec.path)),
      (spec) => g.pages.has(spec),
    );
  try {
    const host = g.device.hostExplicit ? undefined : await identify(g, family, now);
    // The name read again when another device answers at this URL.
    let renamed: string | undefined;
    for (const spec of family.pages) {
      const wanted = spec.extracts.filter((e) => areas.has(e.area));
      if (wanted.length === 0) continue;
      // Repeated only when the device answered another page in this gather: a
      // description alone must not vouch for a device nobody asked.
      const described = remembering ? g.state.described?.get(spec) : undefined;
      // A repeat is due no later than one refresh from now, whatever the clock did since.
      if (described && described.until > now && described.until - now <= (spec.describesMs ?? 0) && g.pages.size > 0) {
        const time = nowNs();
        for (const m of described.metrics) g.metrics.push({ ...m, time });
        continue;
      }
      let page: PageText | undefined;
      try {
        page = await getPage(g, family, spec, now);
      } catch (err) {
        // A device that stopped answering fails as a whole, once.
        if (!(err instanceof FetchError) || err.unreachable || g.signal.aborted) throw err;
        // A page this model does not have is no error.
        if (spec.optional === true && err.status === 404) continue;
        // Not even the first page it needs: the wrong type for what answers at this address.
        if (err.status === 404 && g.pages.size === 0) throw notThisKind(g, err);
        for (const area of new Set(wanted.map((e) => e.area))) g.fail(spec.path, g.explain(err), area);
        continue;
      }
      if (page === undefined) continue;
      if (anotherDevice(g, spec, page) && !g.device.hostExplicit) renamed = await identify(g, family, now, true);
      const { metrics, failures, omitted } = await extractPage(spec, page, ctx, areas, g.pace);
      // Stamped when the page arrived (execd keeps the stamp; collect drops it).
      const time = page.receivedNs;
      if (time === undefined) g.metrics.push(...metrics);
      else for (const m of metrics) g.metrics.push({ ...m, time });
      for (const f of failures) g.fail(spec.path, f.message, f.area);
      for (const o of omitted) g.omitted.push({ url: pageUrl(g.device.url, spec.path).href, message: o.message, area: o.area });
      // A description that read cleanly is repeated, not fetched, until it is due again.
      if (spec.describesMs !== undefined && remembering) {
        if (failures.length === 0) (g.state.described ??= new Map()).set(spec, { metrics, until: now + spec.describesMs });
        else g.state.described?.delete(spec);
      }
    }
    return renamed ?? host;
  } finally {
    if (g.options.keepSessions !== true) await logout(g, family);
  }
}
