/**
 * The .ha gateways' login (BGW210/320, NVG589/599): a per-request nonce on
 * the login page, the form answered with md5(access code + nonce) and the
 * password field as asterisks, the session in a cookie. A gateway allows
 * very few web sessions at once and says so when they are all in use.
 */
import { findOne, parseHtml, ParseError, type Doc } from '../../html/index.js';
import { LoginRefused, type Login } from '../kind.js';

/** After "all web server sessions are in use", no login for this long. */
const LOGIN_BACKOFF_MS = 5 * 60_000;

const LOGIN_PATH = '/cgi-bin/login.ha';

function inputValue(doc: Doc, name: string): string | undefined {
  const input = findOne(doc, (e) => e.name === 'input' && e.attribs['name'] === name);
  return input?.attribs['value'];
}

/** The login page's nonce, or undefined when it has none. */
function nonceOf(body: string): string | undefined {
  let v: string | undefined;
  try {
    v = inputValue(parseHtml(body), 'nonce');
  } catch (err) {
    // A login page nested past reason has no nonce we will read.
    if (!(err instanceof ParseError)) throw err;
  }
  return v !== undefined && /^[0-9a-f]{64}$/i.test(v) ? v : undefined;
}

const isLoginPage = (body: string): boolean => /name=["']?hashpassword/i.test(body);
const sessionsExhausted = (body: string): boolean => /all\s+(of\s+the\s+)?web\s*server\s+sessions\s+are\s+in\s+use/i.test(body);

export const haLogin: Login = {
  secret: { key: 'access_code', what: 'access code', whose: 'gateway', envExample: 'ATT_ACCESS_CODE' },
  logoutPath: '/cgi-bin/logout.ha',
  isLoginPage,
  async logIn(code, http) {
    const exhausted = (body: string): void => {
      if (sessionsExhausted(body)) {
        throw new LoginRefused(LOGIN_PATH, `the gateway says all web server sessions are in use; no login for ${LOGIN_BACKOFF_MS / 60_000} minutes`, LOGIN_BACKOFF_MS);
      }
    };
    const loginPage = await http.fetch(LOGIN_PATH);
    exhausted(loginPage.body);
    const nonce = nonceOf(loginPage.body);
    if (nonce === undefined) throw new LoginRefused(LOGIN_PATH, 'the login page has no nonce');
    // node:crypto loads only for a login.
    const { createHash } = await import('node:crypto');
    const form = new URLSearchParams({
      nonce,
      password: '*'.repeat(code.length),
      hashpassword: createHash('md5')
        .update(code + nonce)
        .digest('hex'),
      Continue: 'Continue',
    });
    // The login page's cookies, if it set any: no empty Cookie header.
    const cookie = loginPage.cookies.join('; ');
    const answer = await http.fetch(LOGIN_PATH, cookie === '' ? { form } : { form, cookie });
    exhausted(answer.body);
    const cookies = [...loginPage.cookies, ...answer.cookies];
    if (isLoginPage(answer.body) || cookies.length === 0) throw new LoginRefused(LOGIN_PATH, 'login refused: check the access code');
    // Later cookies of the same name win.
    const jar = new Map(cookies.map((c) => [c.slice(0, c.indexOf('=')), c]));
    return [...jar.values()].join('; ');
  },
};
