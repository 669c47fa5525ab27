/**
 * Device memory across runs: what the collector learnt about a device (its
 * page family, the name it gives itself, its hardware address, what its
 * describing pages said) to and from the state file's `devices`.
 */
import type { DeviceState } from '../collect/index.js';
import type { Config } from '../config/index.js';
import { DEVICE_KINDS } from '../devices/index.js';
import type { RememberedDevice } from './format.js';

/**
 * Device memory from a state file, for the devices of `config` it was
 * written for (same name, same URL): their family, their own name and what
 * their describing pages said.
 */
export function recallDevices(config: Config, remembered: ReadonlyMap<string, RememberedDevice>): Map<string, DeviceState> {
  const states = new Map<string, DeviceState>();
  for (const device of config.devices) {
    const r = remembered.get(device.name);
    if (r?.url !== device.url.href) continue;
    const state: DeviceState = {};
    const families = DEVICE_KINDS.get(device.type)?.families ?? [];
    const family = families.find((f) => f.name === r.family);
    if (family) state.family = family;
    if (r.identity !== undefined && r.identifiedAt !== undefined) {
      state.identity = r.identity;
      state.identifiedAt = r.identifiedAt;
    }
    if (r.hardware !== undefined) state.hardware = r.hardware;
    for (const [key, page] of Object.entries(r.described ?? {})) {
      const spec = families.flatMap((f) => f.pages).find((p) => p.key === key && p.describesMs !== undefined);
      if (spec) (state.described ??= new Map()).set(spec, page);
    }
    states.set(device.name, state);
  }
  return states;
}

/** What the gathers learnt about `config`'s devices, for the state file (other devices are forgotten). */
export function rememberDevices(config: Config, states: ReadonlyMap<string, DeviceState>, into: Map<string, RememberedDevice>): void {
  into.clear();
  for (const device of config.devices) {
    const s = states.get(device.name);
    if (!s || (s.family === undefined && s.identity === undefined && s.hardware === undefined && !s.described?.size)) continue;
    into.set(device.name, {
      url: device.url.href,
      ...(s.family ? { family: s.family.name } : {}),
      ...(s.identity !== undefined && s.identifiedAt !== undefined ? { identity: s.identity, identifiedAt: s.identifiedAt } : {}),
      ...(s.hardware !== undefined ? { hardware: s.hardware } : {}),
      ...(s.described?.size ? { described: Object.fromEntries([...s.described].map(([spec, page]) => [spec.key, page])) } : {}),
    });
  }
}
