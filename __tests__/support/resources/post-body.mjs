// A client in a process of its own, as a real one is: its writes and reads are not interleaved
// with the host's event loop. Posts a `/messages` JSON body of argv[3] MiB to argv[2] argv[5]
// times, one after another, with `fetch` or `http.request` (argv[4]), and prints what each got as
// one JSON array of {status, body} or {error}.
import http from 'node:http';

const [url, mib, via, times] = process.argv.slice(2);
const body = JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 16,
  messages: [{ role: 'user', content: 'y'.repeat(Number(mib) * 1024 * 1024) }],
});
const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };

async function viaFetch() {
  try {
    const response = await fetch(url, { method: 'POST', headers, body });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { error: `${error.message} ${error.cause?.code ?? ''}` };
  }
}

function viaHttp() {
  return new Promise((resolve) => {
    let answered = false;
    const request = http.request(url, { method: 'POST', headers }, (response) => {
      answered = true;
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode, body: text }));
    });
    // Node's client may still fail its own write once the answer has come: the answer is what counts.
    request.on('error', (error) => answered || resolve({ error: error.code ?? error.message }));
    request.end(body);
  });
}

const results = [];
for (let i = 0; i < Number(times); i++) results.push(await (via === 'fetch' ? viaFetch() : viaHttp()));
console.log(JSON.stringify(results));
