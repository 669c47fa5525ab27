/** Registry: config `type` -> device kind. */
import { att } from './att.js';
import type { DeviceKind, PageText } from './kind.js';

export type { DeviceKind, PageSpec, PageText, ParseContext } from './kind.js';

/** Every supported device kind by its config `type`. */
export const DEVICE_KINDS: ReadonlyMap<string, DeviceKind> = new Map([[att.type, att]]);

/** The known types, for messages and help. */
export function knownTypes(): string[] {
  return [...DEVICE_KINDS.keys()];
}

/** A saved page: where it came from (for messages) and its text. */
export interface SavedPage {
  readonly name: string;
  readonly body: string;
}

/**
 * Recognises each saved page by its content and returns the page map a
 * parser takes. Used by the offline `parse` command and the fixture tests.
 * @throws Error naming the file that is not a page of this kind, or a page given twice.
 */
export function recognizePages(kind: DeviceKind, saved: readonly SavedPage[]): Map<string, PageText> {
  const pages = new Map<string, PageText>();
  const from = new Map<string, string>();
  for (const file of saved) {
    const key = kind.recognize(file.body);
    if (key === undefined) {
      const expected = kind.pages.map((p) => p.title).join(', ');
      throw new Error(`${file.name}: not a page that type "${kind.type}" reads (it reads: ${expected})`);
    }
    const earlier = from.get(key);
    if (earlier !== undefined) throw new Error(`${file.name}: the same page as ${earlier}`);
    from.set(key, file.name);
    pages.set(key, { body: file.body });
  }
  return pages;
}
