/** Answers every simulated device gives the same way. */
import type { ServerResponse } from 'node:http';

/** Answers with `body` and its length. */
export function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/html; charset=UTF-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** A path no device has. */
export function notFound(res: ServerResponse): void {
  send(res, 404, '<html><body><h1>404 Not Found</h1></body></html>');
}

/** A method the page does not take. */
export function notAllowed(res: ServerResponse): void {
  send(res, 405, 'method not allowed', 'text/plain');
}

/** A redirect to `location`. */
export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location });
  res.end();
}
