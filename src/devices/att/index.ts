/**
 * The AT&T config types. `att` finds out which page family a gateway serves
 * from its answers (the .ha family first: most gateways in service are BGW
 * models); `att-pace` and `att-bgw` force one family.
 */
import { bgwFamily } from './bgw.js';
import { paceFamily } from './pace.js';
import type { DeviceKind } from '../kind.js';

export const att: DeviceKind = {
  type: 'att',
  description: 'any AT&T gateway: Pace 5268AC, 2Wire, BGW210, BGW320, NVG589/599 (family found automatically)',
  notFoundHint: 'is the URL the gateway itself (usually http://192.168.1.254)?',
  families: [bgwFamily, paceFamily],
};

export const attPace: DeviceKind = {
  type: 'att-pace',
  description: 'AT&T Pace 5268AC / 2Wire gateway (xslt pages)',
  notFoundHint: 'if it is another AT&T model, use type = att, which finds the page family by itself',
  families: [paceFamily],
};

export const attBgw: DeviceKind = {
  type: 'att-bgw',
  description: 'AT&T BGW210 / BGW320 / NVG589 / NVG599 gateway (.ha pages)',
  notFoundHint: 'if it is another AT&T model, use type = att, which finds the page family by itself',
  families: [bgwFamily],
};
