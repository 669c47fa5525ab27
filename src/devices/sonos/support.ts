/**
 * The Sonos support XML (`/status/*`, `/support/review`, the UPnP device
 * description) read into sections, one per speaker.
 */
import { Parser } from 'htmlparser2';
import { feedSlices, MAX_DEPTH, ParseError, tooDeepError, type Pace } from '../../html/index.js';
import type { ExtractContext } from '../kind.js';

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
  const r = new SectionsReader();
  r.parser.end(xml);
  return r.done();
}

/** {@link supportSections}, read a slice at a time with `pace` between slices. */
export async function readSupportSections(xml: string, pace: Pace): Promise<SupportSection[]> {
  const r = new SectionsReader();
  await feedSlices(r.parser, xml, pace, r.described.bind(r), SLICE_CHARS);
  return r.done();
}

/**
 * Every field of a UPnP device description that a reader takes: the
 * speaker's identity (roomName, serialNum) and system line (speaker.ts,
 * readings.ts), the model discover prints. Once all of them are in, the
 * rest of the page is not read: its service and embedded device lists, two
 * thirds of a real description, come after them in every speaker seen. A
 * description that lacks one (older firmware has no swGen) is read to its end.
 */
export const DESCRIPTION_FIELDS: readonly string[] = ['roomName', 'serialNum', 'modelName', 'modelNumber', 'softwareVersion', 'hardwareVersion', 'swGen'];

/** How much of a support page is read between two calls to the pace. */
const SLICE_CHARS = 16_384;

/** The sections as the parser reads; its callbacks are methods, not closures made per page (see TreeBuilder in html/index.ts). */
class SectionsReader {
  private readonly sections: SupportSection[] = [];
  private current: SupportSection | undefined;
  private readonly stack: string[] = [];
  /** Depth in the stack of the open `<ZPSupportInfo>` elements, outermost first. */
  private readonly infos: number[] = [];
  private capture: { into: Map<string, string>; key: string; text: string; depth: number } | undefined;
  private deep = false;
  /** Description fields of {@link DESCRIPTION_FIELDS} read so far; reading stops when all are. */
  private fields = 0;
  readonly parser: Parser = new Parser(this, { xmlMode: true, decodeEntities: true });

  private section(): SupportSection {
    if (!this.current) {
      this.current = { info: new Map(), commands: new Map(), files: new Map(), device: new Map() };
      this.sections.push(this.current);
    }
    return this.current;
  }

  onopentag(name: string, attribs: Record<string, string>): void {
    if (this.deep) return;
    const stack = this.stack;
    if (stack.length >= MAX_DEPTH) {
      // htmlparser2's bookkeeping grows with the square of the depth: stop reading.
      this.deep = true;
      this.parser.pause();
      return;
    }
    stack.push(name);
    if (this.capture) return;
    if (name === 'ZPSupportInfo') {
      // A new speaker only at the outermost level.
      if (this.infos.length === 0) this.current = undefined;
      this.infos.push(stack.length);
      return;
    }
    // Inside a nested block: none of it is the speaker's.
    if (this.infos.length > 1) return;
    const parent = stack[stack.length - 2];
    if (name === 'Command' && attribs['cmdline'] !== undefined) {
      this.capture = { into: this.section().commands, key: attribs['cmdline'], text: '', depth: stack.length };
    } else if (name === 'File' && attribs['name'] !== undefined) {
      this.capture = { into: this.section().files, key: attribs['name'], text: '', depth: stack.length };
    } else if (parent === 'ZPInfo') {
      this.capture = { into: this.section().info, key: name, text: '', depth: stack.length };
    } else if (parent === 'device' && stack[stack.length - 3] === 'root') {
      this.capture = { into: this.section().device, key: name, text: '', depth: stack.length };
    }
  }

  ontext(text: string): void {
    if (this.capture) this.capture.text += text;
  }

  onclosetag(): void {
    if (this.deep) return;
    const capture = this.capture;
    if (capture && capture.depth === this.stack.length) {
      if (!capture.into.has(capture.key)) {
        capture.into.set(capture.key, capture.text);
        if (capture.into === this.current?.device && DESCRIPTION_FIELDS.includes(capture.key) && ++this.fields === DESCRIPTION_FIELDS.length) this.parser.pause();
      }
      this.capture = undefined;
    }
    if (this.infos.at(-1) === this.stack.length) this.infos.pop();
    this.stack.pop();
  }

  /** Whether every field of a device description a reader takes is in: the rest is not read. */
  described(): boolean {
    return this.fields === DESCRIPTION_FIELDS.length;
  }

  /** The sections read. @throws ParseError when the page nested too deep. */
  done(): SupportSection[] {
    if (this.deep) throw tooDeepError();
    return this.sections;
  }
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
export function sectionsOf(ctx: ExtractContext): Promise<SupportSection[]> {
  return ctx.memo('support', readSupportSections);
}
