// The audit log, for server admins: who did what, when and from where,
// newest first, 50 a page, filtered by project and action (the filters are
// the page's query, so a filtered view is a link).
import {get} from './api.js';
import {h, timeElement} from './dom.js';

const pageSize = 50;
const actions = ['user.sign_in', 'user.sign_out', 'project.create', 'project.update', 'project.delete',
                 'owner.create', 'owner.update', 'owner.delete', 'secret.set', 'secret.delete', 'member.set',
                 'member.remove', 'token.create', 'token.revoke', 'workflow.trigger', 'workflow.rerun',
                 'workflow.cancel', 'workflow.approve'];

export async function renderAudit(main, _params, {signal, navigate, user}) {
  document.title = 'Audit log · FactoryCI';
  if (!user?.server_admin)
    return main.append(h('h1', {}, 'Audit log'), h('p', {}, 'Only a server admin reads the whole audit log.'));
  const query = new URLSearchParams(location.search);
  const projects = (await get('/api/v1/projects?limit=1000', {signal})).items;
  const names = new Map(projects.map((project) => [project.id, `${project.owner.name}/${project.name}`]));
  const filters = new URLSearchParams({limit: pageSize});
  for (const name of ['project_id', 'action', 'after']) if (query.get(name)) filters.set(name, query.get(name));
  const page = await get(`/api/v1/audit?${filters}`, {signal});
  main.append(h('h1', {}, 'Audit log'), filterForm(query, projects, navigate), entryTable(page.items, names),
              pager(query, page.next));
}

function filterForm(query, projects, navigate) {
  const select = (name, label, first, options) => [
    h('label', {for: `audit-${name}`}, label),
    h('select', {id: `audit-${name}`, name},
      h('option', {value: ''}, first),
      options.map(([value, text]) => h('option', {value, selected: query.get(name) === value}, text))),
  ];
  const form = h('form', {class: 'inline', onsubmit: (event) => {
    event.preventDefault();
    const chosen = new URLSearchParams([...new FormData(form)].filter(([, value]) => value));
    navigate(`/audit${chosen.size ? `?${chosen}` : ''}`);
  }},
    select('project_id', 'Project', 'every project',
           projects.map((project) => [project.id, `${project.owner.name}/${project.name}`])),
    select('action', 'Action', 'every action', actions.map((action) => [action, action])),
    h('button', {type: 'submit'}, 'Filter'));
  return form;
}

function entryTable(entries, names) {
  const headings = ['When', 'Who', 'Action', 'Project', 'Detail', 'Address'];
  return h('div', {class: 'table-scroll'},
    h('table', {class: 'list audit'},
      h('thead', {}, h('tr', {}, headings.map((title) => h('th', {scope: 'col'}, title)))),
      h('tbody', {}, entries.length ? entries.map((entry) => h('tr', {},
        h('td', {}, timeElement(entry.at)),
        h('td', {}, entry.actor),
        h('td', {}, h('code', {}, entry.action)),
        h('td', {}, entry.project_id
          ? (names.has(entry.project_id) ? h('a', {href: `/projects/${entry.project_id}`}, names.get(entry.project_id))
                                         : h('span', {class: 'muted'}, 'deleted project'))
          : ''),
        h('td', {}, typeof entry.detail === 'string' ? entry.detail : JSON.stringify(entry.detail ?? '')),
        h('td', {}, entry.address ?? '')))
        : h('tr', {}, h('td', {colspan: headings.length}, 'No entries.')))));
}

function pager(query, next) {
  const newest = new URLSearchParams(query);
  newest.delete('after');
  const older = new URLSearchParams(query);
  if (next) older.set('after', next);
  return h('nav', {class: 'pager', 'aria-label': 'Pages'},
    query.get('after') ? h('a', {href: `/audit${newest.size ? `?${newest}` : ''}`}, 'Newest') : null,
    next ? h('a', {href: `/audit?${older}`}, 'Older') : null);
}
