/** Views of, and checks on, what fake upstreams received. */
import type { FakeUpstream, RecordedRequest } from './fake-upstream';

/** The only request `fake` received; fails the test when there were none or several. */
export function onlyRequest(fake: FakeUpstream): RecordedRequest {
  expect(fake.requests.map((r) => `${r.method} ${r.url}`)).toHaveLength(1);
  return fake.requests[0]!;
}

/** The JSON body of the only request `fake` received; fails the test when there is none. */
export function upstreamBody(fake: FakeUpstream): Record<string, unknown> {
  const body = onlyRequest(fake).body;
  expect(body).toBeDefined();
  return body!;
}

/** Every request every fake received, as one text (method, URL, headers and body), for leak checks. */
export function everythingSent(fakes: FakeUpstream[]): string {
  return fakes
    .flatMap((fake) => fake.requests)
    .map((r) => `${r.method} ${r.url}\n${JSON.stringify(r.headers)}\n${r.rawBody}`)
    .join('\n');
}

/** The header names (lower case, as recorded) matching `pattern`. */
export function headerNames(headers: Record<string, unknown>, pattern: RegExp): string[] {
  return Object.keys(headers).filter((name) => pattern.test(name));
}
