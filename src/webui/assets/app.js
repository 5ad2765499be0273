// The page: signing in, the navigation, and the router that shows one view
// per path (history API; the server answers index.html for each path below).
import {signIn, signOut, token, ApiError} from './api.js';
import {h} from './dom.js';
import {renderProjects, renderNewProject, renderEditProject} from './projects.js';
import {renderProject} from './project.js';
import {renderWorkflow} from './workflow.js';
import {renderLog} from './log.js';

const routes = [
  [/^\/$/, renderProjects],
  [/^\/new-project$/, renderNewProject],
  [/^\/projects\/([^/]+)$/, renderProject],
  [/^\/projects\/([^/]+)\/edit$/, renderEditProject],
  [/^\/workflows\/([^/]+)$/, renderWorkflow],
  [/^\/executions\/([^/]+)$/, renderLog],
];

const main = document.getElementById('main');
let current = new AbortController();  // aborts the shown view's requests and timers

function navigate(path) {
  history.pushState(null, '', path);
  show({focus: true});
}

function show({focus = false} = {}) {
  current.abort();
  current = new AbortController();
  renderNav();
  main.replaceChildren();
  if (!token()) return renderSignIn();
  const path = location.pathname;
  const route = routes.find(([pattern]) => pattern.test(path));
  if (!route) return main.append(h('h1', {}, 'Not found'), h('p', {}, h('a', {href: '/'}, 'All projects')));
  const [pattern, render] = route;
  const context = {signal: current.signal, navigate};
  Promise.resolve(render(main, pattern.exec(path).slice(1).map(decodeURIComponent), context)).catch((error) =>
    showError(error, context.signal));
  if (focus) main.focus();
}

function showError(error, signal) {
  if (signal.aborted || error.name === 'AbortError') return;
  main.append(h('p', {class: 'error', role: 'alert'}, error instanceof ApiError ? error.message : String(error)));
}

function renderNav() {
  const nav = document.getElementById('nav');
  nav.replaceChildren();
  if (!token()) return;
  nav.append(h('a', {href: '/'}, 'Projects'), h('a', {href: '/new-project'}, 'New project'),
             h('button', {type: 'button', class: 'link', onclick: signOut}, 'Sign out'));
}

function renderSignIn() {
  document.title = 'Sign in · FactoryCI';
  const input = h('input', {id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true});
  const message = h('p', {class: 'error', role: 'alert'});
  const form = h('form', {class: 'card narrow', onsubmit: async (event) => {
    event.preventDefault();
    try {
      if (await signIn(input.value.trim())) return show({focus: true});
      message.textContent = 'The server does not accept this token.';
    } catch (error) {
      message.textContent = error.message;
    }
  }},
    h('h1', {}, 'Sign in'),
    h('p', {}, 'Paste an API token. ', h('code', {}, 'factory token create NAME'),
      ' makes one; the server writes the admin token to ', h('code', {}, 'DATA_DIR/admin.token'), '.'),
    h('label', {for: 'token'}, 'API token'), input, message,
    h('button', {type: 'submit'}, 'Sign in'));
  main.append(form);
  input.focus();
}

// Same-origin links change the view without reloading the page.
document.addEventListener('click', (event) => {
  const link = event.target.closest('a[href]');
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey ||
      event.altKey || link.target || link.hasAttribute('download') || link.origin !== location.origin)
    return;
  if (link.pathname === location.pathname && link.hash) return;  // an anchor on this page
  event.preventDefault();
  navigate(link.pathname + link.search + link.hash);
});
window.addEventListener('popstate', () => show());
window.addEventListener('factory:signed-out', () => show());
show();
