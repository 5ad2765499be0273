// The REST API (docs/api.md) as the page uses it. The API token lives in
// sessionStorage: it is gone when the tab closes, and every request carries
// it in an Authorization header, never in a URL.

const tokenKey = 'factory.token';

export function token() {
  return sessionStorage.getItem(tokenKey);
}

// Keeps `secret` if the server accepts it; false if it does not.
export async function signIn(secret) {
  const response = await fetch('/api/v1/projects?limit=1', {headers: {Authorization: `Bearer ${secret}`}});
  if (response.status === 401) return false;
  if (!response.ok) throw new ApiError(response.status, 'http', `the server answered ${response.status}`);
  sessionStorage.setItem(tokenKey, secret);
  return true;
}

export function signOut() {
  sessionStorage.removeItem(tokenKey);
  window.dispatchEvent(new Event('factory:signed-out'));
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function headers(extra = {}) {
  return {Authorization: `Bearer ${token()}`, ...extra};
}

// A rejected token signs the page out: the sign-in form comes back.
async function checked(response) {
  if (response.ok) return response;
  let error = {code: 'http', message: `${response.status} ${response.statusText}`};
  try {
    error = (await response.json()).error ?? error;
  } catch {
    // not JSON: keep the status line
  }
  if (response.status === 401) signOut();
  throw new ApiError(response.status, error.code, error.message);
}

// JSON in and out; resolves to the parsed answer (null for 204).
export async function call(method, path, body, {signal} = {}) {
  const init = {method, signal, headers: headers()};
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await checked(await fetch(path, init));
  return response.status === 204 ? null : response.json();
}

export const get = (path, options) => call('GET', path, undefined, options);

// Reads a Server-Sent Events stream with fetch, so that the token travels in
// a header (EventSource cannot send one). Calls onEvent({event, id, data})
// for each event; resolves when the server closes the stream, or when
// onEvent returns false.
export async function readEventStream(path, onEvent, {signal} = {}) {
  const response = await checked(await fetch(path, {signal, headers: headers({Accept: 'text/event-stream'})}));
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const {value, done} = await reader.read();
    if (done) return;
    buffer += value;
    let start = 0;
    for (let end; (end = buffer.indexOf('\n\n', start)) !== -1; start = end + 2) {
      if (onEvent(parseEvent(buffer.slice(start, end))) === false) return reader.cancel();
    }
    buffer = buffer.slice(start);
  }
}

function parseEvent(block) {
  const event = {event: 'message', id: '', data: ''};
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;  // comments (keep-alives) start with ':'
    const field = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') event.data += event.data ? `\n${value}` : value;
    else if (field === 'event' || field === 'id') event[field] = value;
  }
  return event;
}

// Calls load() now and again `interval` ms after each time it settles, until
// `signal` aborts: how lists and workflow trees follow changes.
export async function poll(load, signal, interval = 1000) {
  while (!signal.aborted) {
    try {
      await load();
    } catch (error) {
      if (signal.aborted || error.status === 401) return;
      console.warn('refresh failed:', error.message);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
