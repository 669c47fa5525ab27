/**
 * The AT&T config types. `att` finds out which page family a gateway serves
 * from its answers (the .ha family first: most gateways in service are BGW
 * models); `att-pace` and `att-bgw` force one family.
 */
import { bgwFamily } from './bgw.js';
import { ATT_CATALOGUE } from './catalogue.js';
import { paceFamily } from './pace.js';
import { ATT_PANELS } from './panels.js';
import type { DeviceKind } from '../kind.js';

const common = {
  role: 'gateway',
  simulates: 'gateways',
  catalogue: ATT_CATALOGUE,
  panels: ATT_PANELS,
  simulator: async () => (await import('./simulate/make.js')).attSimulator,
  simulateOptions: [{ name: 'layout', sets: 'layout', option: { type: 'string', choices: ['att', 'isp'], default: 'att', describe: 'AT&T firmware (caption) or ISP-branded table layout' } }],
  // nat-hang: a NAT page behind a login never answers a logged-in request (a Pace, without one, is unaffected).
  faults: { who: 'the Pace misbehaves', names: ['nat-hang'], shared: true },
} as const;

export const att: DeviceKind = {
  type: 'att',
  description: 'any AT&T gateway: Pace 5268AC, 2Wire, BGW210, BGW320, NVG589/599 (family found automatically)',
  notFoundHint: 'is the URL the gateway itself (usually http://192.168.1.254)?',
  exampleUrl: 'http://192.168.1.254',
  families: [bgwFamily, paceFamily],
  ...common,
};

export const attPace: DeviceKind = {
  type: 'att-pace',
  description: 'AT&T Pace 5268AC / 2Wire gateway (xslt pages)',
  notFoundHint: 'if it is another AT&T model, use type = att, which finds the page family by itself',
  families: [paceFamily],
  ...common,
};

export const attBgw: DeviceKind = {
  type: 'att-bgw',
  description: 'AT&T BGW210 / BGW320 / NVG589 / NVG599 gateway (.ha pages)',
  notFoundHint: 'if it is another AT&T model, use type = att, which finds the page family by itself',
  families: [bgwFamily],
  ...common,
};
