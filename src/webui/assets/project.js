// A project's workflows, newest first, in pages, refreshed every second,
// with who triggered each; a chart of how long its recent workflows took;
// Trigger for its writers and Edit for its admins.
import {call, get, poll} from './api.js';
import {h, statusBadge, durationOf, formatDuration, shortSha, timeElement, isFinal, mayWrite, mayAdminister,
        replaceKeepingFocus} from './dom.js';

const pageSize = 20;

export async function renderProject(main, [id], {signal, navigate}) {
  const project = await get(`/api/v1/projects/${id}`, {signal});
  const name = `${project.owner.name}/${project.name}`;
  document.title = `${name} · FactoryCI`;
  const after = new URLSearchParams(location.search).get('after') ?? '';
  const body = h('tbody');
  const pager = h('nav', {class: 'pager', 'aria-label': 'Pages'});
  const chart = h('figure', {class: 'chart card'});
  main.append(
    h('div', {class: 'heading'},
      h('h1', {}, name),
      project.public ? h('span', {class: 'tag'}, 'public') : null,
      mayAdminister(project) ? h('a', {class: 'button secondary', href: `/projects/${id}/edit`}, 'Edit') : null),
    h('p', {class: 'muted'}, project.url, ' · your role: ', project.role),
    mayWrite(project) ? triggerForm(id, navigate) : null,
    chart,
    h('h2', {}, 'Workflows'),
    h('div', {class: 'table-scroll'},
      h('table', {class: 'list workflows'},
        h('thead', {}, h('tr', {}, ['Status', 'Event', 'Branch or tag', 'Commit', 'Started', 'Duration', 'By']
                                     .map((title) => h('th', {scope: 'col'}, title)))),
        body)),
    pager);
  let shown = '';
  await poll(async () => {
    const page = await get(`/api/v1/projects/${id}/workflows?limit=${pageSize}&after=${after}`, {signal});
    const recent = after ? await get(`/api/v1/projects/${id}/workflows?limit=50`, {signal}) : page;
    // Running workflows' durations grow: redraw while any runs.
    const text = JSON.stringify([page, recent.items.map((w) => [w.id, w.status])]);
    if (text === shown && page.items.every((w) => isFinal(w.status))) return;
    shown = text;
    replaceKeepingFocus(body, page.items.length ? page.items.map(workflowRow)
                                                : h('tr', {}, h('td', {colspan: 7}, 'No workflows yet: push to the repository.')));
    replaceKeepingFocus(pager,
      after ? h('a', {href: `/projects/${id}`}, 'Newest') : null,
      page.next ? h('a', {href: `/projects/${id}?after=${page.next}`}, 'Older') : null);
    replaceKeepingFocus(chart, durationChart(recent.items));
  }, signal);
}

function workflowRow(workflow) {
  const event = workflow.event;
  return h('tr', {},
    h('td', {}, h('a', {href: `/workflows/${workflow.id}`, 'aria-label': `Workflow ${workflow.status}`},
                  statusBadge(workflow.status))),
    h('td', {}, event.name),
    h('td', {}, event.tag || event.branch + (event.target_branch ? ` → ${event.target_branch}` : '')),
    h('td', {}, h('code', {}, shortSha(event.sha))),
    h('td', {}, timeElement(workflow.started_at)),
    h('td', {class: 'number'}, durationOf(workflow)),
    h('td', {}, workflow.actors?.triggered_by ?? ''));
}

// Runs the project's pipelines for a branch's head (a manual event).
function triggerForm(id, navigate) {
  const branch = h('input', {id: 'trigger-branch', name: 'branch', required: true, placeholder: 'main'});
  const message = h('p', {class: 'error', role: 'alert'});
  return h('form', {class: 'inline', onsubmit: async (event) => {
    event.preventDefault();
    message.textContent = '';
    try {
      const queued = await call('POST', `/api/v1/projects/${id}/trigger`, {branch: branch.value.trim()});
      navigate(`/workflows/${queued.id}`);
    } catch (error) {
      message.textContent = error.message;
    }
  }}, h('label', {for: 'trigger-branch'}, 'Branch'), branch, h('button', {type: 'submit'}, 'Trigger'), message);
}

// Bars of the finished workflows' durations, oldest on the left, coloured
// by status; each bar links to its workflow.
function durationChart(workflows) {
  const finished = workflows.filter((w) => w.started_at && w.finished_at).reverse();
  const caption = h('figcaption', {}, 'Recent workflow durations');
  if (!finished.length) return [caption, h('p', {class: 'muted'}, 'No finished workflow yet.')];
  const milliseconds = finished.map((w) => Date.parse(w.finished_at) - Date.parse(w.started_at));
  const longest = Math.max(...milliseconds, 1);
  const width = 600, height = 120, gap = 2;
  const barWidth = Math.min(40, width / finished.length - gap);
  const svg = h('svg:svg', {viewBox: `0 0 ${width} ${height + 16}`, preserveAspectRatio: 'xMinYMax meet', role: 'img', class: 'bars',
                            'aria-label': `Durations of the last ${finished.length} finished workflows; ` +
                                          `the longest took ${formatDuration(longest)}`});
  finished.forEach((workflow, i) => {
    const barHeight = Math.max(2, (milliseconds[i] / longest) * height);
    svg.append(h('svg:a', {href: `/workflows/${workflow.id}`},
      h('svg:rect', {x: i * (barWidth + gap), y: height - barHeight, width: barWidth, height: barHeight,
                     class: `bar status-${workflow.status}`},
        h('svg:title', {}, `${workflow.event.tag || workflow.event.branch} ${shortSha(workflow.event.sha)}: ` +
                           `${workflow.status} in ${formatDuration(milliseconds[i])}`))));
  });
  svg.append(h('svg:text', {x: 0, y: height + 14, class: 'axis'}, `longest: ${formatDuration(longest)}`));
  return [caption, svg];
}
