/** The E!/W!/I! lines: one line each, whatever the text holds (issue 14, item 7). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { error, escapeControls, info, levelOf, logLine, logLines, warning, writeLines } from '../../src/log.js';

describe('log lines', () => {
  it('a level prefix Telegraf reads, then the text', () => {
    assert.equal(error('[gw] att http://192.0.2.1/: connection refused'), 'E! [gw] att http://192.0.2.1/: connection refused');
    assert.equal(warning('state file /x is empty: counter totals start fresh'), 'W! state file /x is empty: counter totals start fresh');
    assert.equal(info('telegraf-homenet execd: 2 device(s)'), 'I! telegraf-homenet execd: 2 device(s)');
    assert.equal(logLine('E', ''), 'E! ');
  });

  it('control characters are escaped: a line break cannot forge a line of another level, an escape sequence cannot reach the terminal', () => {
    assert.equal(warning('a\nI! forged'), 'W! a\\x0aI! forged');
    assert.equal(error('\u001b[2Jtab\there\r\u007f\u009b'), 'E! \\x1b[2Jtab\\x09here\\x0d\\x7f\\x9b');
    // What is not a control character stays as it is: quotes, backslashes, any script.
    assert.equal(escapeControls('Kid\'s "Room" \\ é 寝室 ·'), 'Kid\'s "Room" \\ é 寝室 ·');
  });

  it('bidi overrides and zero-width characters are escaped too: a line shows the words it holds (issue 21)', () => {
    assert.equal(warning('[gw] zone Den\u202Emoor.exe\u200B'), 'W! [gw] zone Den\\u202emoor.exe\\u200b');
    assert.equal(escapeControls('\uFEFFa\u2066b\u2069\u200Ec'), '\\ufeffa\\u2066b\\u2069\\u200ec');
    // A joiner inside an emoji is part of it.
    assert.equal(escapeControls('\u{1F469}\u200D\u{1F373} Kitchen, a\u200Db'), '\u{1F469}\u200D\u{1F373} Kitchen, a\\u200db');
  });

  it('a text of several lines is a log line each', () => {
    assert.deepEqual(logLines('E', 'f.ini: [gw] url: missing\nf.ini: [den] type: unknown'), ['E! f.ini: [gw] url: missing', 'E! f.ini: [den] type: unknown']);
  });

  it('the level of a line', () => {
    assert.deepEqual(['E! x', 'W! x', 'I! x', 'D! x', 'E!x', 'x'].map(levelOf), ['E', 'W', 'I', undefined, undefined, undefined]);
  });

  it('lines are written at once, each with its newline; none, nothing', () => {
    const writes: string[] = [];
    writeLines((t) => writes.push(t), ['E! a', 'W! b']);
    writeLines((t) => writes.push(t), []);
    assert.deepEqual(writes, ['E! a\nW! b\n']);
  });
});
