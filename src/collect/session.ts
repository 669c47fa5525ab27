/**
 * Sessions of devices behind a login: logging in through the kind's login
 * strategy (what a failed login costs: the areas of the page it guards),
 * logging in again when a session expired, the back-off a full session pool
 * asks for, and logging out.
 */
import { signalAt } from '../clock.js';
import type { Config } from '../config/index.js';
import { DEVICE_KINDS, LoginRefused, type Family, type Login, type PageSpec } from '../devices/index.js';
import { DeviceGather, pageUrl } from './gather.js';
import { fetchPage, type FetchedPage } from '../http/index.js';
import type { DeviceState } from './gather.js';

/** Logs in and returns the session cookie, or records why not against the areas the page feeds. */
async function login(g: DeviceGather, flow: Login, spec: PageSpec, now: number): Promise<string | undefined> {
  const secret = g.device.secret;
  const { key, what, whose } = flow.secret;
  const fail = (path: string, message: string): void => {
    for (const area of new Set(spec.extracts.map((e) => e.area))) g.fail(path, message, area);
  };
  if (secret === undefined) {
    fail(spec.path, `needs the ${what}: set ${key}_file or ${key}_env for this device`);
    return undefined;
  }
  if ((g.state.loginBackoffUntil ?? 0) > now) {
    fail(spec.path, `the ${whose} said all its web sessions are in use; not logging in again before the back-off ends`);
    return undefined;
  }
  try {
    return await flow.logIn(secret, { fetch: (path, extra) => g.fetch(path, extra) });
  } catch (err) {
    if (!(err instanceof LoginRefused)) throw err;
    if (err.backoffMs !== undefined) g.state.loginBackoffUntil = now + err.backoffMs;
    fail(err.path, err.message);
    return undefined;
  }
}

/** Fetches a page behind the login, logging in (again) when the session is missing or expired. */
export async function fetchWithLogin(g: DeviceGather, family: Family, spec: PageSpec, now: number): Promise<FetchedPage | undefined> {
  const flow = family.login;
  if (!flow) return g.fetch(spec.path);
  if (g.state.session !== undefined) {
    const page = await g.fetch(spec.path, { cookie: g.state.session });
    if (!flow.isLoginPage(page.body)) return page;
    delete g.state.session;
  }
  const session = await login(g, flow, spec, now);
  if (session === undefined) return undefined;
  g.state.session = session;
  const page = await g.fetch(spec.path, { cookie: session });
  if (flow.isLoginPage(page.body)) {
    delete g.state.session;
    for (const area of new Set(spec.extracts.map((e) => e.area))) g.fail(spec.path, 'still the login page after logging in', area);
    return undefined;
  }
  return page;
}

/**
 * How long a logout may take. It runs when the gather is over, often because
 * the device's deadline has passed (a NAT page that hung): it gets a time of
 * its own then, or the session stays open on a gateway that allows about
 * four. A gateway answers a logout in well under 100 ms. Within a run, it
 * ends by the gather's `logoutBy` too, so that the run ends on time.
 */
const LOGOUT_TIMEOUT_MS = 400;

export async function logout(g: DeviceGather, family: Family, timeoutMs = LOGOUT_TIMEOUT_MS): Promise<void> {
  const session = g.state.session;
  if (!family.login || session === undefined) return;
  delete g.state.session;
  const now = g.clock.now();
  const ms = Math.min(timeoutMs, g.logoutBy - now);
  // No time left in the run: the session expires on its own.
  if (ms <= 0) return;
  const limit = signalAt(g.clock, now + ms);
  try {
    // Not through g.fetch: that one stops with the device's deadline, and a
    // failure is reported for the page that failed, not for the logout.
    await (g.options.fetcher ?? fetchPage)(pageUrl(g.device.url, family.login.logoutPath), {
      signal: limit.signal,
      insecure: g.device.insecure,
      ...(g.state.agents ? { agents: g.state.agents } : {}),
      cookie: session,
    });
  } catch {
    // Best effort: the session expires on its own.
  } finally {
    limit.cancel();
  }
}

/**
 * Logs out of every gateway session kept open between gathers (execd on
 * exit), so the gateway's few web sessions are free again. Best effort,
 * within `timeoutMs`.
 */
export async function closeSessions(config: Config, states: ReadonlyMap<string, DeviceState>, timeoutMs = 1000): Promise<void> {
  try {
    await logoutAll(config, states, timeoutMs);
  } finally {
    for (const state of states.values()) {
      state.agents?.http?.destroy();
      state.agents?.https?.destroy();
      delete state.agents;
    }
  }
}

async function logoutAll(config: Config, states: ReadonlyMap<string, DeviceState>, timeoutMs: number): Promise<void> {
  await Promise.all(
    config.devices.map(async (device) => {
      const state = states.get(device.name);
      // A gather that SIGTERM or the deadline cut short forgets the family
      // (the device may come back as another model), not the session: its
      // kind's family with a login is the one that opened it.
      const family = state?.family ?? DEVICE_KINDS.get(device.type)?.families.find((f) => f.login !== undefined);
      if (!state || !family?.login || state.session === undefined) return;
      await logout(new DeviceGather(device, config, state, {}), family, timeoutMs);
    }),
  );
}
