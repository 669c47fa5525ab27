/**
 * A made-up device kind, defined here and nowhere under src/: a "widget"
 * that serves one text page with a counter that only grows, a temperature,
 * a throughput and an id and serial worth masking. Registering it must give
 * it everything a built-in kind has (config checks, collect, totals, the
 * table with its units, dashboard panels, capture masking, a simulator with
 * a fault of its own, a command of its own) with no file under src/ knowing
 * its name.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ParseError } from '../../src/html/index.js';
import { float, int } from '../../src/lineprotocol.js';
import { SettingError, type CommandIo, type DeviceKind, type KindCommand, type PageSpec } from '../../src/devices/index.js';
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
        const kbps = /^throughput: (\d+) kbps$/m.exec(page.body)?.[1];
        if (frobs === undefined) throw new ParseError('Widget status (/status.txt): no "frobs:" line');
        if (temp === undefined) ctx.omit('Widget status (/status.txt): no "temp:" line: temperature_c left out');
        const colour = ctx.settings?.['colour'];
        return [
          {
            name: 'homenet_widget',
            tags: typeof colour === 'string' ? { colour } : {},
            fields: { frobs: int(frobs), ...(temp !== undefined ? { temperature_c: float(Number(temp)) } : {}), ...(kbps !== undefined ? { throughput: int(kbps) } : {}) },
          },
        ];
      },
    },
  ],
};

/** The widget's own fault: its status page stops counting (no frobs line). */
export const WIDGET_FAULT = 'widget-stall';

/** The simulated widget: its frobs counter wraps at 2^32 after a few requests; under its fault the count is gone. */
export const widgetSimulator: SimulatedMake = {
  warmUp: (base) => [[`${WIDGET_TYPE}=${base}${WIDGET_PREFIX}`]],
  start(ctx) {
    let requests = 0;
    return {
      handle(_req: IncomingMessage, res: ServerResponse, url: string): boolean {
        if (!url.startsWith(`${WIDGET_PREFIX}/`)) return false;
        if (url !== `${WIDGET_PREFIX}/status.txt`) {
          res.writeHead(404).end('no such page');
          return true;
        }
        const frobs = (FROBS_START + FROBS_STEP * requests++) % 2 ** 32;
        const count = ctx.fault === WIDGET_FAULT ? 'frobs: stalled' : `frobs: ${frobs}`;
        res
          .writeHead(200, { 'content-type': 'text/plain' })
          .end(`WIDGET STATUS\nid: WIDGET-ID-C0FFEE42\nserial: <WidgetSerial>WS-000042</WidgetSerial>\n${count}\ntemp: 41.5\nthroughput: 2500 kbps\n`);
        return true;
      },
      describe: (base) => [`Widget X1: --device ${WIDGET_TYPE}=${base}${WIDGET_PREFIX}`],
      demo: (base) => [`${WIDGET_TYPE}=${base}${WIDGET_PREFIX}`],
    };
  },
};

/** `widget-find --url URL`: asks the widget there for its id and prints its INI section, as Sonos's `discover` does for speakers. */
export const widgetFind: KindCommand = {
  name: 'widget-find',
  describe: 'find the widget at a URL and print its INI section to paste',
  options: { url: { type: 'string', requiresArg: true, describe: 'where the widget answers (http://ADDRESS:PORT/PATH)' } },
  async run(args, io: CommandIo) {
    const url = typeof args['url'] === 'string' ? args['url'] : '';
    if (!/^http:\/\/(127\.0\.0\.1|\[::1\])(:\d+)?\//.test(url)) throw new SettingError(`--url: ${JSON.stringify(url)} is not a loopback http:// URL`);
    const page = await (await fetch(`${url}/status.txt`)).text();
    const id = /^id: WIDGET-ID-([0-9A-F]{8})$/m.exec(page)?.[1];
    if (id === undefined) {
      io.stderr([`W! no widget answered at ${url}`]);
      return 0;
    }
    io.stdout(`[widget-${id.toLowerCase()}]\ntype = ${WIDGET_TYPE}\nurl = ${url}\n`);
    return 0;
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
        // No unit in its name: the table finds kbit/s in the catalogue, as it does for every kind.
        { name: 'throughput', type: 'integer', unit: 'kbit/s', about: 'what the widget passes' },
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
  serialElements: ['WidgetSerial'],
  simulator: () => Promise.resolve(widgetSimulator),
  faults: { who: 'the widget', names: [WIDGET_FAULT] },
  commands: [widgetFind],
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
