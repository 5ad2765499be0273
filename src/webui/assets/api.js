// The REST API (docs/api.md) as the page uses it, and who is signed in.
// A person signs in with GitHub: the server keeps the session and the browser
// its cookie (HttpOnly: this script never sees it), which same-origin fetch
// sends by itself; every state-changing request also carries the session's
// CSRF token, read from GET /api/v1/user. A pasted API token (automation's
// way in, and the admin's) lives in sessionStorage instead: it is gone when
// the tab closes, and travels in an Authorization header, never in a URL.

const tokenKey = 'factory.token';
let me;  // GET /api/v1/user's answer; null when signed out; undefined before asking

export function token() {
  return sessionStorage.getItem(tokenKey);
}

// Who is signed in ({login, name, avatar_url, server_admin, csrf_token}), or
// null; asks the server once per page load and after each sign-in or -out.
export async function currentUser() {
  if (me !== undefined) return me;
  const response = await fetch('/api/v1/user', {headers: headers()});
  if (response.status === 401) {
    if (token()) sessionStorage.removeItem(tokenKey);  // revoked or expired meanwhile
    return (me = null);
  }
  if (!response.ok) throw new ApiError(response.status, 'http', `the server answered ${response.status}`);
  return (me = await response.json());
}

// A person (a GitHub login, which has no spaces), not a token of the
// server's, whose login is "admin token NAME".
export const isPerson = (user) => Boolean(user?.login) && !user.login.includes(' ');

// Whether the server offers GitHub sign-in (GET /api/v1/auth, public).
export async function gitHubSignIn() {
  const response = await fetch('/api/v1/auth');
  return response.ok && (await response.json()).github === true;
}

// Keeps `secret` if the server accepts it; false if it does not.
export async function signInWithToken(secret) {
  const response = await fetch('/api/v1/user', {headers: {Authorization: `Bearer ${secret}`}});
  if (response.status === 401) return false;
  if (!response.ok) throw new ApiError(response.status, 'http', `the server answered ${response.status}`);
  sessionStorage.setItem(tokenKey, secret);
  me = await response.json();
  return true;
}

// Forgets the token, or ends the session on the server (its cookie is then
// refused, even if someone kept a copy).
export async function signOut() {
  if (token()) sessionStorage.removeItem(tokenKey);
  else if (me) await fetch('/auth/signout', {method: 'POST', headers: headers({}, 'POST')});
  me = null;
}

// The server refused the token or the session: the page shows again as to
// an anonymous visitor.
function signedOut() {
  me = null;
  window.dispatchEvent(new Event('factory:signed-out'));
}

// `details` is the answer's whole error object: a trigger's refusal names
// each wrong input in details.inputs (input name → message).
export class ApiError extends Error {
  constructor(status, code, message, details = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

// The token when there is one; the CSRF token on a session's state-changing
// requests (the cookie goes by itself).
function headers(extra = {}, method = 'GET') {
  const result = {...extra};
  if (token()) result.Authorization = `Bearer ${token()}`;
  else if (method !== 'GET' && me?.csrf_token) result['X-CSRF-Token'] = me.csrf_token;
  return result;
}

// Saves what `path` answers as a file named `fileName`: fetched with the
// token or the session's cookie, then handed to the browser through a blob
// URL. The browser holds the whole file before saving it (Chromium moves a
// large one to disk), which is the price of keeping a token out of URLs.
export async function saveDownload(path, fileName) {
  const response = await checked(await fetch(path, {headers: headers()}));
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(link.href);
}

// A refused token or an ended session signs the page out: the page shows
// what an anonymous visitor may see, and the sign-in view where that is nothing.
async function checked(response) {
  if (response.ok) return response;
  let error = {code: 'http', message: `${response.status} ${response.statusText}`};
  try {
    error = (await response.json()).error ?? error;
  } catch {
    // not JSON: keep the status line
  }
  if (response.status === 401 && me) signedOut();
  throw new ApiError(response.status, error.code, error.message, error);
}

// JSON in and out; resolves to the parsed answer (null without a body, as
// for 204, or a secret's 201).
export async function call(method, path, body, {signal} = {}) {
  const init = {method, signal, headers: headers({}, method)};
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const text = await (await checked(await fetch(path, init))).text();
  return text ? JSON.parse(text) : null;
}

export const get = (path, options) => call('GET', path, undefined, options);

// Reads a Server-Sent Events stream with fetch, so that a token travels in
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
// `signal` aborts: how lists and workflow trees follow changes. The first
// load's failure is the view's (a 404 shows as "Not found"); later ones are
// retried.
export async function poll(load, signal, interval = 1000) {
  await load();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, interval));
    if (signal.aborted) return;
    try {
      await load();
    } catch (error) {
      if (signal.aborted || error.status === 401) return;
      console.warn('refresh failed:', error.message);
    }
  }
}
