/**
 * A made-up device kind, defined here and nowhere under src/: a "widget"
 * that serves one text page with a counter that only grows, a temperature
 * and an id worth masking. Registering it must give it everything a built-in
 * kind has (config checks, collect, totals, the table, dashboard panels,
 * capture masking, a simulator) with no file under src/ knowing its name.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ParseError } from '../../src/html/index.js';
import { float, int } from '../../src/lineprotocol.js';
import { SettingError, type DeviceKind, type PageSpec } from '../../src/devices/index.js';
import type { SimulatedMake } from '../../src/simulate/make.js';

export const WIDGET_TYPE = 'widget-x1';
export const WIDGET_PREFIX = '/widget';
/** Frobs the simulated widget has counted at start, and per request since. */
export const FROBS_START = 4_294_967_000;
export const FROBS_STEP = 500;

const status: PageSpec = {
  key: 'widget-status',
  path: '/status.txt',
  title: 'Widget status (/status.txt)',
  recognize: (body) => body.startsWith('WIDGET STATUS'),
  extracts: [
    {
      area: 'gizmo',
      parse: (page, ctx) => {
        const frobs = /^frobs: (\d+)$/m.exec(page.body)?.[1];
        const temp = /^temp: (-?\d+(?:\.\d+)?)$/m.exec(page.body)?.[1];
        if (frobs === undefined) throw new ParseError('Widget status (/status.txt): no "frobs:" line');
        if (temp === undefined) ctx.omit('Widget status (/status.txt): no "temp:" line: temperature_c left out');
        const colour = ctx.settings?.['colour'];
        return [
          {
            name: 'homenet_widget',
            tags: typeof colour === 'string' ? { colour } : {},
            fields: { frobs: int(frobs), ...(temp !== undefined ? { temperature_c: float(Number(temp)) } : {}) },
          },
        ];
      },
    },
  ],
};

/** The simulated widget: its frobs counter wraps at 2^32 after a few requests. */
export const widgetSimulator: SimulatedMake = {
  start() {
    let requests = 0;
    return {
      handle(_req: IncomingMessage, res: ServerResponse, url: string): boolean {
        if (!url.startsWith(`${WIDGET_PREFIX}/`)) return false;
        if (url !== `${WIDGET_PREFIX}/status.txt`) {
          res.writeHead(404).end('no such page');
          return true;
        }
        const frobs = (FROBS_START + FROBS_STEP * requests++) % 2 ** 32;
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`WIDGET STATUS\nid: WIDGET-ID-C0FFEE42\nfrobs: ${frobs}\ntemp: 41.5\n`);
        return true;
      },
      describe: (base) => [`Widget X1: --device ${WIDGET_TYPE}=${base}${WIDGET_PREFIX}`],
      demo: (base) => [`${WIDGET_TYPE}=${base}${WIDGET_PREFIX}`],
    };
  },
};

export const widgetKind: DeviceKind = {
  type: WIDGET_TYPE,
  description: 'a made-up widget (test only)',
  role: 'gateway',
  notFoundHint: 'a widget answers on /status.txt',
  families: [{ name: 'widget', description: 'Widget X1', pages: [status] }],
  catalogue: [
    {
      name: 'homenet_widget',
      tags: ['colour'],
      fields: [
        { name: 'frobs', type: 'integer', unit: 'count', counter: 'events', about: 'frobs since boot (32-bit)' },
        { name: 'temperature_c', type: 'float', unit: '°C', about: 'widget temperature' },
      ],
    },
  ],
  keys: [
    {
      name: 'colour',
      read(text) {
        if (!['red', 'green', 'blue'].includes(text)) throw new SettingError(`${JSON.stringify(text)} is not a widget colour (red, green or blue)`);
        return text;
      },
    },
  ],
  panels: [
    {
      title: 'Widget frobs',
      row: 'Widgets',
      description: 'Frobs per second. wrap',
      unit: 'short',
      queries: [{ measurement: 'homenet_widget', field: 'frobs', fn: 'max', rate: true, groupBy: ['host'], alias: '$tag_host frobs' }],
    },
  ],
  masks: [{ kind: 'widget-id', pattern: /WIDGET-ID-[0-9A-F]{8}/g, placeholder: (n) => `WIDGET-ID-MASKED-${n}` }],
  simulator: () => Promise.resolve(widgetSimulator),
};

/** A kind whose parser has a bug: it throws something that is no ParseError. */
export const brokenKind: DeviceKind = {
  ...widgetKind,
  type: 'broken-x1',
  description: 'a made-up kind with a bug in its parser (test only)',
  keys: [],
  panels: [],
  masks: [],
  families: [
    {
      name: 'broken',
      description: 'Broken X1',
      pages: [
        {
          ...status,
          extracts: [
            {
              area: 'gizmo',
              parse: () => {
                throw new TypeError('frobs is not a function');
              },
            },
          ],
        },
      ],
    },
  ],
};

/** A kind whose page recognition has a bug: telling its pages apart throws. */
export const misreadKind: DeviceKind = {
  ...brokenKind,
  type: 'misread-x1',
  description: 'a made-up kind with a bug in recognising its pages (test only)',
  families: [
    {
      name: 'misread',
      description: 'Misread X1',
      pages: [
        {
          ...status,
          recognize: () => {
            throw new TypeError('body.lines is not a function');
          },
        },
      ],
    },
  ],
};
