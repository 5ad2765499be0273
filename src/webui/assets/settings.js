// A project's people, secrets, environments, schedules and caches, on its
// edit page (project admins only, but for caches): members with their roles
// (added, changed, removed), secrets with the events, branches and pipelines
// that receive them (set, deleted; their values never come back from the
// server), environments with their protection rules and secret names (added,
// edited, deleted; their secrets set and deleted), schedules: the project's
// own (made, deleted) beside those declared in `.factory/`, and cache
// entries against the project's limit (deleted by its writers, listed to
// every reader).
import {call, get} from './api.js';
import {h, timeElement, listTable, sizeElement, mayWrite} from './dom.js';

const roles = ['read', 'write', 'admin'];
const events = ['push', 'tag', 'pull_request', 'manual', 'cron'];

export async function renderSettings(main, project, {signal}) {
  const members = section('Members', 'members');
  const secrets = section('Secrets', 'secrets');
  const environments = section('Environments', 'environments');
  const schedules = section('Schedules', 'schedules');
  const caches = section('Caches', 'caches');
  main.append(members.element, secrets.element, environments.element, schedules.element, caches.element);
  await Promise.all([
    showMembers(members, project.id, signal),
    showSecrets(secrets, project.id, signal),
    showEnvironments(environments, project.id, signal),
    showSchedules(schedules, project.id, signal),
    showCaches(caches, project, signal),
  ]);
}

// The caches alone, for those who may read the project but not change its
// settings.
export async function renderCaches(main, project, {signal}) {
  const caches = section('Caches', 'caches');
  main.append(caches.element);
  await showCaches(caches, project, signal);
}

// A card with a heading, a list that redraws, and an error line.
function section(title, id) {
  const list = h('div');
  const message = h('p', {class: 'error', role: 'alert'});
  const form = h('div');
  const element = h('section', {class: 'card settings-section', 'aria-labelledby': `${id}-title`},
    h('h2', {id: `${id}-title`}, title), list, message, form);
  // Runs `action`, then redraws; shows the API's refusal instead of
  // throwing: in the section's error line, or where `errors` puts it.
  const attempt = async (action, redraw, errors = fieldErrors(message)) => {
    message.textContent = '';
    errors.clear();
    try {
      await action();
      await redraw();
      return true;
    } catch (error) {
      errors.show(error);
      return false;
    }
  };
  return {element, list, form, message, attempt};
}

// Where a form's refusals go: beside the first field whose pattern the
// API's message matches (`places`: [pattern, error element]…), else in
// `fallback`, the form's own error line.
function fieldErrors(fallback, places = []) {
  const all = [fallback, ...places.map(([, element]) => element)];
  return {
    clear: () => all.forEach((element) => { element.textContent = ''; }),
    show: (error) => {
      (places.find(([pattern]) => pattern.test(error.message))?.[1] ?? fallback).textContent = error.message;
    },
  };
}

// A labelled field with a hint and the line its refusal shows on.
function field(id, label, control, hint) {
  const error = h('p', {class: 'error', id: `${id}-error`});
  control.setAttribute('id', id);
  control.setAttribute('aria-describedby', hint ? `${id}-error ${id}-hint` : `${id}-error`);
  return {control, error, element: [h('label', {for: id}, label), control,
                                    hint ? h('p', {class: 'hint', id: `${id}-hint`}, hint) : null, error]};
}

const commaList = (text) => text.split(',').map((item) => item.trim()).filter(Boolean);

async function showMembers(part, projectId, signal) {
  const path = `/api/v1/projects/${projectId}/members`;
  const redraw = async () => {
    const {items} = await get(path, {signal});
    part.list.replaceChildren(listTable(['Login', 'Role', h('span', {class: 'visually-hidden'}, 'Actions')],
      items.map((member) => h('tr', {},
        h('td', {}, member.login), h('td', {}, member.role),
        h('td', {}, h('button', {type: 'button', class: 'link danger', 'aria-label': `Remove ${member.login}`,
          onclick: () => part.attempt(() => call('DELETE', `${path}/${encodeURIComponent(member.login)}`), redraw)},
          'Remove')))),
      'No members: roles come from GitHub repository permissions alone.'));
  };
  const login = h('input', {id: 'member-login', name: 'login', required: true, autocomplete: 'off',
                            placeholder: 'octocat'});
  const role = h('select', {id: 'member-role', name: 'role'}, roles.map((name) => h('option', {value: name}, name)));
  part.form.append(h('form', {class: 'inline', onsubmit: async (event) => {
    event.preventDefault();
    const member = `${path}/${encodeURIComponent(login.value.trim())}`;
    if (await part.attempt(() => call('PUT', member, {role: role.value}), redraw)) login.value = '';
  }},
    h('label', {for: 'member-login'}, 'GitHub login'), login,
    h('label', {for: 'member-role'}, 'Role'), role,
    h('button', {type: 'submit'}, 'Add member')),
    h('p', {class: 'hint'}, 'A member\'s role is at least the one granted here, whatever their permission on ',
      'GitHub. Read: workflows and logs; write: also trigger, cancel, re-run and approve; admin: also settings, ',
      'secrets, members and deleting.'));
  await redraw().catch((error) => { part.message.textContent = error.message; });
}

const scope = (values, all) => values?.length ? values.join(', ') : h('span', {class: 'muted'}, all);

async function showSecrets(part, projectId, signal) {
  const path = `/api/v1/projects/${projectId}/secrets`;
  const redraw = async () => {
    const {items} = await get(path, {signal});
    part.list.replaceChildren(listTable(['Name', 'Events', 'Branches', 'Pipelines', 'Updated',
                                     h('span', {class: 'visually-hidden'}, 'Actions')],
      items.map((secret) => h('tr', {},
        h('td', {}, h('code', {}, secret.name)),
        h('td', {}, scope(secret.events, 'push, tag, manual, cron')),
        h('td', {}, scope(secret.branches, 'any')),
        h('td', {}, scope(secret.pipelines, 'any')),
        h('td', {}, timeElement(secret.updated_at)),
        h('td', {}, h('button', {type: 'button', class: 'link danger', 'aria-label': `Delete secret ${secret.name}`,
          onclick: () => part.attempt(() => call('DELETE', `${path}/${encodeURIComponent(secret.name)}`), redraw)},
          'Delete')))),
      'No secrets.'));
  };
  const form = secretForm(async (name, body) => part.attempt(
    () => call('PUT', `${path}/${encodeURIComponent(name)}`, body), redraw));
  part.form.append(form);
  await redraw().catch((error) => { part.message.textContent = error.message; });
}

// Name, value and scopes; `save(name, body)` resolves true once stored, and
// the form is then cleared (the value is not kept anywhere on the page).
function secretForm(save) {
  const form = h('form', {class: 'stacked', onsubmit: async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {value: data.get('value')};
    const chosen = data.getAll('events');
    if (chosen.length) body.events = chosen;
    if (commaList(data.get('branches')).length) body.branches = commaList(data.get('branches'));
    if (commaList(data.get('pipelines')).length) body.pipelines = commaList(data.get('pipelines'));
    if (await save(data.get('name').trim(), body)) form.reset();
  }},
    h('h3', {}, 'Set a secret'),
    h('label', {for: 'secret-name'}, 'Secret name'),
    h('input', {id: 'secret-name', name: 'name', required: true, autocomplete: 'off', placeholder: 'DEPLOY_KEY'}),
    h('label', {for: 'secret-value'}, 'Secret value'),
    h('textarea', {id: 'secret-value', name: 'value', required: true, rows: 3, autocomplete: 'off', spellcheck: false}),
    h('fieldset', {},
      h('legend', {}, 'Events that receive it'),
      events.map((name) => h('label', {class: 'check'}, h('input', {type: 'checkbox', name: 'events', value: name}), ' ', name)),
      h('p', {class: 'hint'}, 'None ticked: push, tag, manual and cron. Pull requests get a secret only when it ',
        'names ', h('code', {}, 'pull_request'), ', and never from a fork.')),
    h('label', {for: 'secret-branches'}, 'Branches'),
    h('input', {id: 'secret-branches', name: 'branches', placeholder: 'main, release/*', 'aria-describedby': 'secret-branches-hint'}),
    h('p', {class: 'hint', id: 'secret-branches-hint'}, 'Globs, separated by commas; empty: every branch. A secret naming branches never reaches a tag.'),
    h('label', {for: 'secret-pipelines'}, 'Pipelines'),
    h('input', {id: 'secret-pipelines', name: 'pipelines', placeholder: 'deploy', 'aria-describedby': 'secret-pipelines-hint'}),
    h('p', {class: 'hint', id: 'secret-pipelines-hint'}, 'Pipeline names, separated by commas; empty: every pipeline.'),
    h('button', {type: 'submit'}, 'Set secret'));
  return form;
}

const minutes = (count) => count ? `${count} min` : h('span', {class: 'muted'}, 'none');

// Environments: each with its rules and its secrets' names (values are
// write-only); a form that adds one or, after Edit, replaces its rules; and
// a form that sets a secret of one. A refusal shows beside the field it is about.
async function showEnvironments(part, projectId, signal) {
  const path = `/api/v1/projects/${projectId}/environments`;
  const of = (name) => `${path}/${encodeURIComponent(name)}`;
  const rules = environmentForm(part, of);
  const secret = environmentSecretForm(part, of);
  const redraw = async () => {
    const {items} = await get(path, {signal});
    const secrets = await Promise.all(items.map(({name}) => get(`${of(name)}/secrets`, {signal})));
    const deleteSecret = (environment, name) => h('button', {type: 'button', class: 'link danger',
      'aria-label': `Delete secret ${name} of ${environment}`,
      onclick: () => part.attempt(() => call('DELETE', `${of(environment)}/secrets/${encodeURIComponent(name)}`),
                                  redraw)}, 'Delete');
    part.list.replaceChildren(listTable(['Name', 'Approvers', 'Branches', 'Wait timer', 'Secrets',
                                     h('span', {class: 'visually-hidden'}, 'Actions')],
      items.map((environment, i) => h('tr', {},
        h('td', {}, h('code', {}, environment.name)),
        h('td', {}, environment.approvers.length ? environment.approvers_note
                                                 : h('span', {class: 'muted'}, 'nobody needs to approve')),
        h('td', {}, scope(environment.branches, 'any')),
        h('td', {}, minutes(environment.wait_timer_minutes)),
        h('td', {}, secrets[i].items.length
          ? h('ul', {class: 'names'}, secrets[i].items.map(({name}) =>
              h('li', {}, h('code', {}, name), ' ', deleteSecret(environment.name, name))))
          : h('span', {class: 'muted'}, 'none')),
        h('td', {}, h('div', {class: 'buttons'},
          h('button', {type: 'button', class: 'link', 'aria-label': `Edit environment ${environment.name}`,
                       onclick: () => rules.edit(environment)}, 'Edit'),
          h('button', {type: 'button', class: 'link danger', 'aria-label': `Delete environment ${environment.name}`,
                       onclick: () => part.attempt(() => call('DELETE', of(environment.name)), redraw)},
            'Delete'))))),
      'No environments: a pipeline naming one that is not here runs without rules or secrets.'));
    secret.offer(items.map(({name}) => name));
  };
  rules.redraw = secret.redraw = redraw;
  part.form.append(rules.element, secret.element);
  await redraw().catch((error) => { part.message.textContent = error.message; });
}

// Adds an environment, or replaces the rules of the one being edited (its
// name then stays). The API's refusal goes beside the field it names.
function environmentForm(part, of) {
  const name = field('environment-name', 'Environment name',
    h('input', {name: 'name', required: true, autocomplete: 'off', placeholder: 'production'}));
  const approvers = field('environment-approvers', 'Required approvers',
    h('input', {name: 'approvers', autocomplete: 'off', placeholder: 'octocat, writers'}),
    ['GitHub logins, separated by commas, or ', h('code', {}, 'writers'), ': anyone with write access to the ',
     'project. One of them approves each deployment. Empty: nobody needs to approve.']);
  const branches = field('environment-branches', 'Allowed branches',
    h('input', {name: 'branches', autocomplete: 'off', placeholder: 'main, release/*'}),
    'Globs, separated by commas; a pipeline of another branch is skipped. Empty: every branch, and tags.');
  const wait = field('environment-wait', 'Wait timer (minutes)',
    h('input', {name: 'wait', autocomplete: 'off', inputmode: 'numeric', placeholder: '0'}),
    'How long a deployment waits after its approval (or, without approvers, after it reached the gate).');
  const heading = h('h3', {});
  const message = h('p', {class: 'error', role: 'alert'});
  const errors = fieldErrors(message, [[/^environment name/, name.error], [/approver/, approvers.error],
                                       [/^branch/, branches.error], [/wait_timer/, wait.error]]);
  const stopEditing = h('button', {type: 'button', class: 'secondary', onclick: () => reset()}, 'Cancel');
  const reset = () => {
    form.reset();
    name.control.readOnly = false;
    heading.textContent = 'Add an environment';
    stopEditing.hidden = true;
    errors.clear();
  };
  const form = h('form', {class: 'stacked', onsubmit: async (event) => {
    event.preventDefault();
    const body = {approvers: commaList(approvers.control.value), branches: commaList(branches.control.value)};
    const timer = wait.control.value.trim();
    // Anything but a whole number goes as typed: the server's message says what is wrong with it.
    if (timer) body.wait_timer_minutes = /^-?\d+$/.test(timer) ? Number(timer) : timer;
    const target = of(name.control.value.trim());
    if (await part.attempt(() => call('PUT', target, body), self.redraw, errors)) reset();
  }},
    heading, name.element, approvers.element, branches.element, wait.element,
    h('div', {class: 'buttons'}, h('button', {type: 'submit'}, 'Set environment'), stopEditing), message);
  const self = {element: form, redraw: null, edit: (environment) => {
    reset();
    heading.textContent = `Edit environment ${environment.name}`;
    name.control.value = environment.name;
    name.control.readOnly = true;
    approvers.control.value = environment.approvers.join(', ');
    branches.control.value = environment.branches.join(', ');
    wait.control.value = environment.wait_timer_minutes ? String(environment.wait_timer_minutes) : '';
    stopEditing.hidden = false;
    approvers.control.focus();
  }};
  reset();
  return self;
}

// Sets a secret of one environment: its value reaches only that
// environment's pipelines, and is never shown again (the form is cleared).
function environmentSecretForm(part, of) {
  const environment = field('environment-secret-environment', 'Environment', h('select', {name: 'environment'}));
  const name = field('environment-secret-name', 'Secret name',
    h('input', {name: 'name', required: true, autocomplete: 'off', placeholder: 'DEPLOY_KEY'}));
  const value = field('environment-secret-value', 'Secret value',
    h('textarea', {name: 'value', required: true, rows: 3, autocomplete: 'off', spellcheck: false}),
    'Given only to the pipelines of this environment, once its rules let them run; masked in their logs.');
  const message = h('p', {class: 'error', role: 'alert'});
  const errors = fieldErrors(message, [[/has no environment/, environment.error],
                                       [/secret value/, value.error], [/^secret name/, name.error]]);
  const submit = h('button', {type: 'submit'}, 'Set environment secret');
  const form = h('form', {class: 'stacked', onsubmit: async (event) => {
    event.preventDefault();
    const target = `${of(environment.control.value)}/secrets/${encodeURIComponent(name.control.value.trim())}`;
    const body = {value: value.control.value};
    if (await part.attempt(() => call('PUT', target, body), self.redraw, errors)) {
      name.control.value = value.control.value = '';
    }
  }},
    h('h3', {}, 'Set an environment secret'), environment.element, name.element, value.element, submit, message);
  const self = {element: form, redraw: null, offer: (names) => {
    const chosen = environment.control.value;
    environment.control.replaceChildren(...names.map((each) => h('option', {value: each, selected: each === chosen},
                                                                 each)));
    submit.disabled = names.length === 0;
  }};
  return self;
}

const lastRun = (run) => run ? h('a', {href: `/workflows/${run.workflow_id}`}, timeElement(run.slot_at))
                             : h('span', {class: 'muted'}, 'not yet');

async function showSchedules(part, projectId, signal) {
  const path = `/api/v1/projects/${projectId}/schedules`;
  const redraw = async () => {
    const {items} = await get(path, {signal});
    part.list.replaceChildren(listTable(['Name', 'Cron', 'Time zone', 'Branch', 'From', 'Next', 'Last run',
                                     h('span', {class: 'visually-hidden'}, 'Actions')],
      items.map((schedule) => h('tr', {},
        h('td', {}, schedule.name),
        h('td', {}, h('code', {}, schedule.cron)),
        h('td', {}, schedule.timezone),
        h('td', {}, schedule.branch),
        h('td', {}, schedule.source === 'config' ? h('code', {}, '.factory/') : 'settings'),
        h('td', {}, schedule.next_slot_at ? timeElement(schedule.next_slot_at) : ''),
        h('td', {}, lastRun(schedule.last_run)),
        h('td', {}, schedule.source === 'config' ? '' :
          h('button', {type: 'button', class: 'link danger', 'aria-label': `Delete schedule ${schedule.name}`,
            onclick: () => part.attempt(() => call('DELETE', `${path}/${schedule.id}`), redraw)}, 'Delete')))),
      'No schedules.'));
  };
  const form = h('form', {class: 'stacked', onsubmit: async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {name: data.get('name').trim(), cron: data.get('cron').trim(), branch: data.get('branch').trim(),
                  timezone: data.get('timezone').trim() || 'UTC'};
    if (await part.attempt(() => call('POST', path, body), redraw)) form.reset();
  }},
    h('h3', {}, 'Add a schedule'),
    h('label', {for: 'schedule-name'}, 'Schedule name'),
    h('input', {id: 'schedule-name', name: 'name', required: true, autocomplete: 'off', placeholder: 'nightly'}),
    h('label', {for: 'schedule-cron'}, 'Cron'),
    h('input', {id: 'schedule-cron', name: 'cron', required: true, autocomplete: 'off', placeholder: '0 3 * * *',
                'aria-describedby': 'schedule-cron-hint'}),
    h('p', {class: 'hint', id: 'schedule-cron-hint'}, 'Minute, hour, day of month, month, day of week; or a macro ',
      'such as @daily. Each slot queues a workflow with event ', h('code', {}, 'cron'), '.'),
    h('label', {for: 'schedule-branch'}, 'Branch'),
    h('input', {id: 'schedule-branch', name: 'branch', required: true, autocomplete: 'off', placeholder: 'main'}),
    h('label', {for: 'schedule-timezone'}, 'Time zone'),
    h('input', {id: 'schedule-timezone', name: 'timezone', autocomplete: 'off', placeholder: 'UTC'}),
    h('button', {type: 'submit'}, 'Add schedule'));
  part.form.append(form, h('p', {class: 'hint'}, 'Schedules declared in a branch\'s ', h('code', {}, '.factory/'),
    ' are listed too; they change there.'));
  await redraw().catch((error) => { part.message.textContent = error.message; });
}

// The limit as the project's settings give it: beyond it the least recently
// used entries are evicted; 0 keeps nothing.
function cacheUsage({items, total_size: total, limit}) {
  if (limit === 0) return h('p', {class: 'hint'}, 'The project\'s cache limit is 0: nothing is kept.');
  return h('p', {class: 'hint'}, `${items.length} ${items.length === 1 ? 'entry' : 'entries'}, `, sizeElement(total),
    ' of the project\'s limit of ', sizeElement(limit), '; beyond it the least recently used entries are evicted.');
}

// Cache entries by scope (the branch that saved one, `tag:T` or `pr:S`) and
// key, with Delete beside each and Delete all for the project's writers: a
// deleted key misses on the next lookup, and the next successful run saves
// it afresh.
async function showCaches(part, project, signal) {
  const path = `/api/v1/projects/${project.id}/caches`;
  const writer = mayWrite(project);
  const usage = h('div');
  const deleteAll = h('button', {type: 'button', class: 'danger',
    onclick: () => part.attempt(() => call('DELETE', path), redraw)}, 'Delete all');
  const headings = ['Key', 'Cache', 'Scope', 'Size', 'Last used', 'Created'];
  if (writer) headings.push(h('span', {class: 'visually-hidden'}, 'Actions'));
  const redraw = async () => {
    const caches = await get(path, {signal});
    usage.replaceChildren(cacheUsage(caches));
    deleteAll.hidden = caches.items.length === 0;
    part.list.replaceChildren(listTable(headings,
      caches.items.map((entry) => h('tr', {},
        h('td', {}, h('code', {class: 'breakable'}, entry.key)),
        h('td', {}, entry.name),
        h('td', {}, h('code', {}, entry.scope)),
        h('td', {class: 'number nowrap'}, sizeElement(entry.size)),
        h('td', {class: 'nowrap'}, timeElement(entry.last_used_at)),
        h('td', {class: 'nowrap'}, timeElement(entry.created_at)),
        writer ? h('td', {}, h('button', {type: 'button', class: 'link danger',
          'aria-label': `Delete cache entry ${entry.key} of ${entry.scope}`,
          onclick: () => part.attempt(() => call('DELETE', `${path}/${entry.id}`), redraw)}, 'Delete')) : null)),
      'No cache entries: a successful execution saves each of its caches whose key missed.'));
  };
  part.list.before(usage);
  if (writer) part.form.append(h('div', {class: 'buttons'}, deleteAll));
  await redraw().catch((error) => { part.message.textContent = error.message; });
}
