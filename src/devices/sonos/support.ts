/**
 * The Sonos support XML (`/status/*`, `/support/review`, the UPnP device
 * description) read into sections, one per speaker.
 */
import { Parser } from 'htmlparser2';
import { feedSlices, MAX_DEPTH, ParseError, tooDeepError, type Pace } from '../../html.js';
import type { ExtractContext, PageText } from '../kind.js';

/** One `<ZPSupportInfo>`: a speaker's ZPInfo fields, command outputs and files. */
export interface SupportSection {
  readonly info: Map<string, string>;
  readonly commands: Map<string, string>;
  readonly files: Map<string, string>;
  /** UPnP device description fields (`roomName`, `modelName` ...), when the page is one. */
  readonly device: Map<string, string>;
}

/**
 * Reads the Sonos support XML (`/status/*`, `/support/review`, the device
 * description) in one streaming pass: the 450 KB review page of a 30-speaker
 * house is never built into a document tree. A `<ZPSupportInfo>` nested in
 * another (a controller's own info under `<Controllers>`) belongs to the
 * speaker around it: it is no section of its own, does not end that
 * speaker's section, and nothing in it (its own commands) is kept.
 * @throws ParseError for a page nested deeper than {@link MAX_DEPTH}.
 */
export function supportSections(xml: string): SupportSection[] {
  const { parser, done } = sectionsBuilder();
  parser.end(xml);
  return done();
}

/** {@link supportSections}, read a slice at a time with `pace` between slices. */
export async function readSupportSections(xml: string, pace: Pace): Promise<SupportSection[]> {
  const { parser, done } = sectionsBuilder();
  await feedSlices(parser, xml, pace, undefined, SLICE_CHARS);
  return done();
}

/** How much of a support page is read between two calls to the pace. */
const SLICE_CHARS = 16_384;

function sectionsBuilder(): { parser: Parser; done: () => SupportSection[] } {
  const sections: SupportSection[] = [];
  let current: SupportSection | undefined;
  const stack: string[] = [];
  /** Depth in the stack of the open `<ZPSupportInfo>` elements, outermost first. */
  const infos: number[] = [];
  let capture: { into: Map<string, string>; key: string; text: string; depth: number } | undefined;
  let deep = false;
  const section = (): SupportSection => {
    if (!current) {
      current = { info: new Map(), commands: new Map(), files: new Map(), device: new Map() };
      sections.push(current);
    }
    return current;
  };
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (deep) return;
        if (stack.length >= MAX_DEPTH) {
          // htmlparser2's bookkeeping grows with the square of the depth: stop reading.
          deep = true;
          parser.pause();
          return;
        }
        stack.push(name);
        if (capture) return;
        if (name === 'ZPSupportInfo') {
          // A new speaker only at the outermost level.
          if (infos.length === 0) current = undefined;
          infos.push(stack.length);
          return;
        }
        // Inside a nested block: none of it is the speaker's.
        if (infos.length > 1) return;
        const parent = stack[stack.length - 2];
        if (name === 'Command' && attribs['cmdline'] !== undefined) {
          capture = { into: section().commands, key: attribs['cmdline'], text: '', depth: stack.length };
        } else if (name === 'File' && attribs['name'] !== undefined) {
          capture = { into: section().files, key: attribs['name'], text: '', depth: stack.length };
        } else if (parent === 'ZPInfo') {
          capture = { into: section().info, key: name, text: '', depth: stack.length };
        } else if (parent === 'device' && stack[stack.length - 3] === 'root') {
          capture = { into: section().device, key: name, text: '', depth: stack.length };
        }
      },
      ontext(text) {
        if (capture) capture.text += text;
      },
      onclosetag() {
        if (deep) return;
        if (capture && capture.depth === stack.length) {
          if (!capture.into.has(capture.key)) capture.into.set(capture.key, capture.text);
          capture = undefined;
        }
        if (infos.at(-1) === stack.length) infos.pop();
        stack.pop();
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  return {
    parser,
    done: () => {
      if (deep) throw tooDeepError();
      return sections;
    },
  };
}

/** The page's sections, or none for a page that cannot be read in time (identify never rejects). */
export async function readableSections(xml: string, pace: Pace): Promise<SupportSection[]> {
  try {
    return await readSupportSections(xml, pace);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    return [];
  }
}

/** The page's sections, read once for all its extracts. */
export function sectionsOf(page: PageText, ctx: ExtractContext): Promise<SupportSection[]> {
  return ctx.memo('support', () => readSupportSections(page.body, ctx.pace));
}
