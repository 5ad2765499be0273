// The signed-in person's API tokens, for scripts and automation: made with
// a name, an access (read or write), optionally one project, and an expiry;
// the secret is shown once, when it is made; listed with when each was last
// used and when it expires; revoked at once.
import {call, get, isPerson} from './api.js';
import {h, timeElement} from './dom.js';

export async function renderTokens(main, _params, {signal, user}) {
  document.title = 'API tokens · FactoryCI';
  if (!isPerson(user))
    return main.append(h('h1', {}, 'API tokens'), h('p', {}, 'Personal tokens belong to people: sign in with GitHub.'));
  const list = h('div');
  const created = h('div', {'aria-live': 'polite'});
  const message = h('p', {class: 'error', role: 'alert'});
  const redraw = async () => {
    const [{items}, projects] = await Promise.all([get('/api/v1/user/tokens', {signal}), projectNames(signal)]);
    list.replaceChildren(tokenTable(items, projects, async (token) => {
      message.textContent = '';
      try {
        await call('DELETE', `/api/v1/user/tokens/${token.id}`);
        created.replaceChildren();
        await redraw();
      } catch (error) {
        message.textContent = error.message;
      }
    }));
    return projects;
  };
  main.append(h('h1', {}, 'API tokens'),
    h('p', {}, 'A token acts as you, limited to its access and project: send it as ',
      h('code', {}, 'Authorization: Bearer <token>'), '.'),
    created, message, list);
  const projects = await redraw();
  main.append(createForm(projects, async (body) => {
    message.textContent = '';
    try {
      const answer = await call('POST', '/api/v1/user/tokens', body);
      created.replaceChildren(secretPanel(answer));
      await redraw();
      return true;
    } catch (error) {
      message.textContent = error.message;
      return false;
    }
  }));
}

// id → "owner/name" of the projects the user may read, for the project
// choice and the list.
async function projectNames(signal) {
  const {items} = await get('/api/v1/projects?limit=1000', {signal});
  return new Map(items.map((project) => [project.id, `${project.owner.name}/${project.name}`]));
}

function tokenTable(tokens, projects, revoke) {
  const headings = ['Name', 'Access', 'Project', 'Created', 'Last used', 'Expires', ''];
  return h('div', {class: 'table-scroll'},
    h('table', {class: 'list tokens'},
      h('thead', {}, h('tr', {}, headings.map((title) =>
        h('th', {scope: 'col'}, title || h('span', {class: 'visually-hidden'}, 'Actions'))))),
      h('tbody', {}, tokens.length ? tokens.map((token) => h('tr', {},
        h('td', {}, token.name),
        h('td', {}, token.access),
        h('td', {}, token.project_id ? projects.get(token.project_id) ?? token.project_id : h('span', {class: 'muted'}, 'all')),
        h('td', {}, timeElement(token.created_at)),
        h('td', {}, token.last_used_at ? timeElement(token.last_used_at) : h('span', {class: 'muted'}, 'never')),
        h('td', {}, timeElement(token.expires_at)),
        h('td', {}, h('button', {type: 'button', class: 'link danger', 'aria-label': `Revoke ${token.name}`,
                                 onclick: () => revoke(token)}, 'Revoke'))))
        : h('tr', {}, h('td', {colspan: headings.length}, 'No tokens yet.')))));
}

// The new token's secret, this once: the server keeps only its hash.
function secretPanel({token, secret}) {
  const code = h('code', {id: 'token-secret'}, secret);
  return h('section', {class: 'card created-secret'},
    h('h2', {}, `Created ${token.name}`),
    h('p', {}, code),
    h('p', {class: 'warning'}, 'Copy the token now (select it, then Ctrl+C or ⌘C): it is not shown again.'));
}

function createForm(projects, create) {
  const form = h('form', {class: 'card spaced', onsubmit: async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {name: data.get('name').trim(), access: data.get('access'),
                  expires_in_days: Number(data.get('expires_in_days'))};
    if (data.get('project_id')) body.project_id = data.get('project_id');
    if (await create(body)) form.reset();
  }},
    h('h2', {}, 'New token'),
    h('label', {for: 'token-name'}, 'Name'),
    h('input', {id: 'token-name', name: 'name', required: true, autocomplete: 'off', placeholder: 'release script'}),
    h('label', {for: 'token-access'}, 'Access'),
    h('select', {id: 'token-access', name: 'access'},
      h('option', {value: 'read'}, 'read: see workflows and logs'),
      h('option', {value: 'write'}, 'write: also trigger, cancel, re-run and approve')),
    h('label', {for: 'token-project'}, 'Project'),
    h('select', {id: 'token-project', name: 'project_id'},
      h('option', {value: ''}, 'every project you may use'),
      [...projects].map(([id, name]) => h('option', {value: id}, name))),
    h('label', {for: 'token-expiry'}, 'Expires after (days)'),
    h('input', {id: 'token-expiry', name: 'expires_in_days', type: 'number', min: 1, max: 366, value: 30, required: true}),
    h('button', {type: 'submit'}, 'Create token'));
  return form;
}
