/** GETs a JSON document; rejects with a message naming the status, or the network error's cause. */
export async function fetchJson(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { ...headers, accept: 'application/json' }, signal });
  } catch (error) {
    // fetch says only "fetch failed"; the cause says why (ECONNREFUSED, a timeout, ...).
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`GET ${new URL(url).pathname} failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`, { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`GET ${new URL(url).pathname} answered ${response.status}`);
  }
  return response.json();
}
