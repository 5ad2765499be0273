// Projects: the list with each project's newest workflow (the projects the
// caller may read: only public ones when signed out), creating one (its
// webhook secret shown this once; server admins), editing with the project's
// people and secrets (settings.js; its caches for every reader), and deleting
// (project admins).
import {call, get, poll} from './api.js';
import {h, statusBadge, describeEvent, timeElement, mayAdminister, replaceKeepingFocus} from './dom.js';
import {renderSettings, renderCaches} from './settings.js';

export async function renderProjects(main, _params, {signal, user}) {
  document.title = 'Projects · FactoryCI';
  const body = h('tbody');
  const message = h('p', {class: 'error', role: 'alert'});
  const none = user ? 'No projects you may see yet.' : 'No public projects. Sign in to see yours.';
  main.append(
    h('div', {class: 'heading'}, h('h1', {}, 'Projects'),
      user?.server_admin ? h('a', {class: 'button', href: '/new-project'}, 'New project') : null),
    message,
    h('div', {class: 'table-scroll'},
      h('table', {class: 'list projects'},
        h('thead', {}, h('tr', {}, h('th', {}, 'Project'), h('th', {}, 'Last workflow'), h('th', {}, 'When'),
                                   h('th', {}, h('span', {class: 'visually-hidden'}, 'Actions')))),
        body)));
  let shown = '';
  const remove = async (project) => {
    message.textContent = '';
    try {
      await call('DELETE', `/api/v1/projects/${project.id}`);
      shown = '';  // redraw at the next refresh
    } catch (error) {
      message.textContent = error.message;
    }
  };
  await poll(async () => {
    const page = await get('/api/v1/projects?limit=1000', {signal});
    const text = JSON.stringify(page.items);
    if (text === shown) return;  // redraw only on change: keeps focus and selection
    shown = text;
    replaceKeepingFocus(body, page.items.length
      ? page.items.map((project) => projectRow(project, remove))
      : h('tr', {}, h('td', {colspan: 4}, none, user?.server_admin ? [' ', h('a', {href: '/new-project'}, 'Create one'), '.'] : null)));
  }, signal);
}

function projectRow(project, remove) {
  const last = project.last_workflow;
  const name = `${project.owner.name}/${project.name}`;
  return h('tr', {},
    h('td', {}, h('a', {href: `/projects/${project.id}`}, name), h('div', {class: 'muted small'}, project.url)),
    h('td', {}, last ? h('a', {href: `/workflows/${last.id}`}, statusBadge(last.status), ' ', describeEvent(last.event))
                     : h('span', {class: 'muted'}, 'none yet')),
    h('td', {}, last ? timeElement(last.created_at) : ''),
    h('td', {class: 'actions'}, mayAdminister(project) ? [
      h('a', {href: `/projects/${project.id}/edit`, 'aria-label': `Edit ${name}`}, 'Edit'),
      h('button', {type: 'button', class: 'link danger', 'aria-label': `Delete ${name}`,
                   onclick: () => confirmDelete(name, () => remove(project))}, 'Delete')] : null));
}

// Asks in a modal dialog; `confirmed` runs on Delete only.
function confirmDelete(name, confirmed) {
  const dialog = h('dialog', {'aria-labelledby': 'delete-title'},
    h('form', {method: 'dialog'},
      h('h2', {id: 'delete-title'}, `Delete ${name}?`),
      h('p', {}, 'Its workflows and their logs are deleted with it. This cannot be undone.'),
      h('div', {class: 'buttons'},
        h('button', {value: 'cancel', autofocus: true}, 'Cancel'),
        h('button', {value: 'delete', class: 'danger'}, 'Delete'))));
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (dialog.returnValue === 'delete') confirmed();
  });
  document.body.append(dialog);
  dialog.showModal();
}

// The fields creating and editing share; `project` fills them in.
function projectFields(project = {}) {
  const field = (name, label, attributes, hint) => [
    h('label', {for: name}, label),
    h('input', {id: name, name, ...attributes}),
    hint ? h('p', {class: 'hint', id: `${name}-hint`}, hint) : null,
  ];
  const checkbox = (name, label, checked) =>
    h('label', {class: 'check'}, h('input', {type: 'checkbox', name, checked}), ' ', label);
  return [
    field('name', 'Name', {required: true, value: project.name ?? ''}),
    field('url', 'Repository URL', {required: true, value: project.url ?? '', placeholder: 'https://github.com/acme/rocket.git'},
          'http(s)://, git:// or git@host:path: where agents fetch the code from.'),
    field('webhook_secret', project.id ? 'New webhook secret' : 'Webhook secret',
          {type: 'password', autocomplete: 'new-password', 'aria-describedby': 'webhook_secret-hint'},
          project.id ? 'Leave empty to keep the current one.' : 'Leave empty to have one generated.'),
    checkbox('cancel_superseded_pushes', 'A new push to a branch cancels its older unfinished workflows',
             project.cancel_superseded_pushes ?? false),
    checkbox('cancel_superseded_pull_requests', 'A new pull request update cancels its older unfinished workflows',
             project.cancel_superseded_pull_requests ?? true),
    project.id ? accessFields(project) : null,
  ];
}

// Who may read the project without a role, and which fork pull requests
// wait for a writer's approval (docs/people.md).
function accessFields(project) {
  const choice = (value, label) =>
    h('option', {value, selected: (project.fork_pr_approval ?? 'all') === value}, label);
  return [
    h('label', {class: 'check'}, h('input', {type: 'checkbox', name: 'public', checked: project.public ?? false}), ' ',
      'Public: anyone, signed in or not, may read its workflows and logs'),
    h('label', {for: 'fork_pr_approval'}, 'Pull requests from forks wait for approval'),
    h('select', {id: 'fork_pr_approval', name: 'fork_pr_approval'},
      choice('all', 'always'), choice('first_time', 'from first-time contributors only'), choice('never', 'never')),
  ];
}

function readFields(form) {
  const data = new FormData(form);
  const body = {
    name: data.get('name').trim(),
    url: data.get('url').trim(),
    cancel_superseded_pushes: data.has('cancel_superseded_pushes'),
    cancel_superseded_pull_requests: data.has('cancel_superseded_pull_requests'),
  };
  if (data.get('webhook_secret')) body.webhook_secret = data.get('webhook_secret');
  if (data.has('owner')) body.owner = data.get('owner').trim();
  if (data.has('fork_pr_approval')) {
    body.public = data.has('public');
    body.fork_pr_approval = data.get('fork_pr_approval');
  }
  return body;
}

// Sends the form with `submit`; shows the API's refusal beside the button.
function projectForm(title, fields, submitLabel, submit) {
  const message = h('p', {class: 'error', role: 'alert'});
  const form = h('form', {class: 'card', onsubmit: async (event) => {
    event.preventDefault();
    message.textContent = '';
    try {
      await submit(readFields(form));
    } catch (error) {
      message.textContent = error.message;
    }
  }}, h('h1', {}, title), fields, message, h('button', {type: 'submit'}, submitLabel));
  return form;
}

export function renderNewProject(main, _params, {user}) {
  document.title = 'New project · FactoryCI';
  if (!user?.server_admin)
    return main.append(h('h1', {}, 'New project'), h('p', {}, 'Only a server admin creates projects.'));
  const owner = [h('label', {for: 'owner'}, 'Owner'),
                 h('input', {id: 'owner', name: 'owner', required: true, placeholder: 'acme'})];
  const form = projectForm('New project', [owner, projectFields()], 'Create project', async (body) => {
    const project = await call('POST', '/api/v1/projects', body);
    form.replaceWith(createdPanel(project));
    main.querySelector('h1').focus();
  });
  main.append(form);
}

// The webhook's settings for GitHub; the secret is never shown again.
function createdPanel(project) {
  const setting = (label, value, id) => [
    h('dt', {}, label),
    h('dd', {}, h('code', {id}, value)),
  ];
  return h('section', {class: 'card'},
    h('h1', {tabindex: -1}, `Created ${project.owner.name}/${project.name}`),
    h('p', {}, 'Add a webhook to the repository on GitHub (Settings → Webhooks → Add webhook) with:'),
    h('dl', {class: 'settings'},
      setting('Payload URL', `${location.origin}/hooks/github`, 'webhook-url'),
      setting('Content type', 'application/json', 'webhook-content-type'),
      setting('Secret', project.webhook_secret, 'webhook-secret')),
    h('p', {class: 'warning'}, 'Copy the secret now: it is not shown again.'),
    h('a', {class: 'button', href: `/projects/${project.id}`}, 'Go to the project'));
}

export async function renderEditProject(main, [id], {signal, navigate}) {
  const project = await get(`/api/v1/projects/${id}`, {signal});
  const name = `${project.owner.name}/${project.name}`;
  document.title = `Edit ${name} · FactoryCI`;
  if (!mayAdminister(project)) {
    main.append(h('h1', {}, `Edit ${name}`), h('p', {}, 'Only the project\'s admins change its settings.'));
    return renderCaches(main, project, {signal});
  }
  main.append(projectForm(`Edit ${name}`, projectFields(project), 'Save', async (body) => {
    await call('PUT', `/api/v1/projects/${id}`, body);
    navigate(`/projects/${id}`);
  }));
  await renderSettings(main, project, {signal});
}
