/**
 * Sonos speakers (port 1400): busybox `ifconfig` text inside XML support
 * pages, identity from `/status/zp` or the UPnP device description, and the
 * whole household in one `/support/review` page.
 */
import type { DeviceKind, MaskSpec } from '../kind.js';
import { SONOS_CATALOGUE } from './catalogue.js';
import { DISCOVER } from './commands.js';
import { sonosHouseholdFamily } from './household.js';
import { SONOS_PANELS } from './panels.js';
import { INTERFACES_KEY } from './settings.js';
import { sonosFamily } from './speaker.js';

export { DESCRIPTION_REFRESH_MS } from './speaker.js';
export { MAX_INTERFACES, radioFields } from './readings.js';
export { MAX_SPEAKERS } from './household.js';

const hex12 = (n: number): string => n.toString(16).toUpperCase().padStart(12, '0');
/** A speaker's UPnP id holds its MAC address. */
const MASKS: readonly MaskSpec[] = [{ kind: 'rincon', pattern: /RINCON_[0-9A-Fa-f]{12,}/g, placeholder: (n) => `RINCON_${hex12(n)}01400` }];

const common = {
  role: 'device',
  simulates: 'Sonos speakers',
  namesItself: true,
  notFoundHint: 'a Sonos speaker answers on port 1400: http://IP:1400',
  catalogue: SONOS_CATALOGUE,
  keys: [INTERFACES_KEY],
  panels: SONOS_PANELS,
  masks: MASKS,
  // The device description's and /status/zp's serial.
  serialElements: ['SerialNumber', 'serialNum'],
  simulator: async () => (await import('./simulate/make.js')).sonosSimulator,
  commands: [DISCOVER],
  simulateOptions: [
    {
      name: 'sonos',
      sets: 'speakers',
      option: { type: 'number', default: 4, describe: 'speakers in the simulated Sonos household' },
      check: (n: unknown) => (Number.isInteger(n) && typeof n === 'number' && n >= 0 && n <= 200 ? undefined : `${String(n)} is not a number of speakers from 0 to 200`),
    },
  ],
  // The first speaker lists 15,000 interfaces (3.8 MiB), or 2,000 named anew at every request; other devices are unaffected.
  faults: { who: 'the first speaker', names: ['many-interfaces', 'new-interfaces'] },
} as const;

export const sonos: DeviceKind = {
  type: 'sonos',
  description: 'one Sonos speaker (http://IP:1400)',
  families: [sonosFamily],
  ...common,
};

export const sonosHousehold: DeviceKind = {
  type: 'sonos-household',
  description: 'every Sonos speaker of a household, through any one of them (http://IP:1400)',
  families: [sonosHouseholdFamily],
  ...common,
};
