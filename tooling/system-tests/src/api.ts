/** One answer of the gateway's REST API, parsed. */
export interface ApiResult {
  method: string;
  path: string;
  status: number;
  requestId: string | null;
  /** The parsed JSON answer (the text when it is not JSON). */
  body: unknown;
}

/** `data` of a success envelope, typed by the caller. */
export function dataOf<T>(result: ApiResult): T {
  return (result.body as { data: T }).data;
}

/** A plain REST call with a Bearer key, as any client makes it. */
export async function api(
  baseUrl: string,
  method: string,
  path: string,
  key: string,
  body?: unknown,
): Promise<ApiResult> {
  const res = await fetch(baseUrl + path, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { method, path, status: res.status, requestId: res.headers.get('x-request-id'), body: parsed };
}

/** GET /readyz: its status and body. */
export async function readiness(baseUrl: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as unknown };
}
