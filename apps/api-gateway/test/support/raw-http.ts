import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  /** Lower-cased header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON from the server
  json: any;
}

/**
 * Writes `request` byte for byte on a new TCP connection and reads the first response (until the
 * server closes or the declared body is complete). For what fetch refuses to send: broken request
 * lines, NUL or CR in header values, oversized headers.
 */
export function rawHttp(baseUrl: string, request: string | Buffer, timeoutMs = 5_000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean): void => {
      if (settled) return;
      const parsed = parseResponse(Buffer.concat(chunks), closed);
      if (parsed === null) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parsed);
    };
    const timer = setTimeout(() => {
      settled = true;
      socket.destroy();
      reject(
        new Error(`no complete response within ${timeoutMs} ms: ${Buffer.concat(chunks).toString('latin1')}`),
      );
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      finish(false);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      finish(true);
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(
          new Error(`connection closed without a response: ${Buffer.concat(chunks).toString('latin1')}`),
        );
      }
    });
    socket.write(request);
  });
}

function parseResponse(data: Buffer, closed: boolean): RawResponse | null {
  let text = data.toString('latin1');
  // Skip interim responses (100 Continue).
  while (/^HTTP\/1\.1 1\d\d /.test(text) && text.includes('\r\n\r\n')) {
    text = text.slice(text.indexOf('\r\n\r\n') + 4);
  }
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const body = text.slice(end + 4);
  const length = headers['content-length'];
  if (length !== undefined && Buffer.byteLength(body, 'latin1') < Number(length)) return null;
  const chunked = headers['transfer-encoding'] === 'chunked';
  if (chunked && !body.endsWith('0\r\n\r\n')) return null;
  if (length === undefined && !chunked && !closed) return null;
  const plain = chunked ? body.replace(/(?:^|\r\n)[0-9a-fA-F]+\r\n/g, '').replace(/\r\n$/, '') : body;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(plain, 'latin1').toString('utf8'));
  } catch {
    json = null;
  }
  return { status, headers, text: plain, json };
}
