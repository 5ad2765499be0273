// The page: who is signed in, the navigation, and the router that shows one
// view per path (history API; the server answers index.html for each path
// below). Signed-out visitors see what the API answers them (public
// projects); a view the API refuses them (401) becomes the sign-in view.
import {currentUser, gitHubSignIn, isPerson, signInWithToken, signOut, ApiError} from './api.js';
import {h} from './dom.js';
import {renderProjects, renderNewProject, renderEditProject} from './projects.js';
import {renderProject} from './project.js';
import {renderWorkflow} from './workflow.js';
import {renderLog} from './log.js';
import {renderTokens} from './tokens.js';
import {renderAudit} from './audit.js';

const routes = [
  [/^\/$/, renderProjects],
  [/^\/sign-in$/, (main) => renderSignIn(main, new URLSearchParams(location.search).get('return_to'))],
  [/^\/new-project$/, renderNewProject],
  [/^\/projects\/([^/]+)$/, renderProject],
  [/^\/projects\/([^/]+)\/edit$/, renderEditProject],
  [/^\/workflows\/([^/]+)$/, renderWorkflow],
  [/^\/executions\/([^/]+)$/, renderLog],
  [/^\/tokens$/, renderTokens],
  [/^\/audit$/, renderAudit],
];

const main = document.getElementById('main');
let current = new AbortController();  // aborts the shown view's requests and timers

function navigate(path) {
  history.pushState(null, '', path);
  show({focus: true});
}

async function show({focus = false} = {}) {
  current.abort();
  current = new AbortController();
  const signal = current.signal;
  let user = null;
  try {
    user = await currentUser();
  } catch (error) {
    return main.replaceChildren(h('p', {class: 'error', role: 'alert'}, error.message));
  }
  if (signal.aborted) return;
  renderNav(user);
  main.replaceChildren();
  const path = location.pathname;
  const route = routes.find(([pattern]) => pattern.test(path));
  if (!route) return renderNotFound();
  const [pattern, render] = route;
  const context = {signal, navigate, user};
  Promise.resolve(render(main, pattern.exec(path).slice(1).map(decodeURIComponent), context)).catch((error) =>
    showError(error, signal));
  if (focus) main.focus();
}

function renderNotFound() {
  document.title = 'Not found · FactoryCI';
  main.replaceChildren(h('h1', {}, 'Not found'), h('p', {}, h('a', {href: '/'}, 'All projects')));
}

// 404 is also what a page the caller may not read answers (the API does not
// reveal that it exists); 401, that it needs signing in.
function showError(error, signal) {
  if (signal.aborted || error.name === 'AbortError') return;
  if (error.status === 404) return renderNotFound();
  if (error.status === 401) {
    main.replaceChildren();
    return renderSignIn(main, location.pathname + location.search);
  }
  main.append(h('p', {class: 'error', role: 'alert'}, error instanceof ApiError ? error.message : String(error)));
}

// Projects, and what the caller may use: New project and Audit for server
// admins, Tokens for people; who is signed in, and Sign in or Sign out.
function renderNav(user) {
  const nav = document.getElementById('nav');
  const here = location.pathname + location.search;
  const signInHref = `/sign-in?return_to=${encodeURIComponent(here)}`;
  nav.replaceChildren(...[
    h('a', {href: '/'}, 'Projects'),
    user?.server_admin ? h('a', {href: '/new-project'}, 'New project') : null,
    isPerson(user) ? h('a', {href: '/tokens'}, 'Tokens') : null,
    user?.server_admin ? h('a', {href: '/audit'}, 'Audit') : null,
    user ? identity(user) : null,
    user ? h('button', {type: 'button', class: 'link', onclick: () => signOut().then(() => navigate('/'))}, 'Sign out')
         : location.pathname === '/sign-in' ? null : h('a', {href: signInHref}, 'Sign in'),
  ].filter(Boolean));
}

// The person's avatar and login; for a token of the server's, its name ("admin token NAME").
function identity(user) {
  return h('span', {class: 'identity', title: user.name || user.login},
    // The CSP lets GitHub's avatars in; another host's (GitHub Enterprise) is refused and the image left out.
    user.avatar_url ? h('img', {class: 'avatar', src: user.avatar_url, alt: '', onerror: (event) => event.target.remove()})
                    : null,
    h('span', {class: 'visually-hidden'}, 'Signed in as '), user.login);
}

// GitHub when the server offers it, and the API-token form (the admin
// token, and tokens made for automation). Both come back to `returnTo`.
async function renderSignIn(container, returnTo) {
  document.title = 'Sign in · FactoryCI';
  // Only a path of this server ("/x"; "//host" and "/\host" are other sites), as the server checks too.
  const target = /^\/(?![/\\])/.test(returnTo ?? '') ? returnTo : '/';
  const input = h('input', {id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true});
  const message = h('p', {class: 'error', role: 'alert'});
  const gitHub = h('div');
  const form = h('form', {class: 'card narrow', onsubmit: async (event) => {
    event.preventDefault();
    try {
      if (await signInWithToken(input.value.trim())) return navigate(target);
      message.textContent = 'The server does not accept this token.';
    } catch (error) {
      message.textContent = error.message;
    }
  }},
    h('h1', {}, 'Sign in'),
    gitHub,
    h('p', {}, 'Or paste an API token: a signed-in person makes their own on the Tokens page; ',
      'the server writes the admin token to ', h('code', {}, 'DATA_DIR/admin.token'), '.'),
    h('label', {for: 'token'}, 'API token'), input, message,
    h('button', {type: 'submit', class: 'secondary'}, 'Sign in with the token'));
  container.append(form);
  if (await gitHubSignIn().catch(() => false))
    gitHub.append(h('a', {class: 'button', href: `/auth/github?return_to=${encodeURIComponent(target)}`},
                    'Sign in with GitHub'));
}

// Same-origin links to the page's own paths change the view without
// reloading; others (/auth/github) are followed.
document.addEventListener('click', (event) => {
  const link = event.target.closest('a[href]');
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey ||
      event.altKey || link.target || link.hasAttribute('download') || link.origin !== location.origin ||
      !routes.some(([pattern]) => pattern.test(link.pathname)))
    return;
  if (link.pathname === location.pathname && link.hash) return;  // an anchor on this page
  event.preventDefault();
  navigate(link.pathname + link.search + link.hash);
});
window.addEventListener('popstate', () => show());
window.addEventListener('factory:signed-out', () => show());
show();
