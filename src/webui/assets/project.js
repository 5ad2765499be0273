// A project's workflows, newest first, in pages, refreshed every second,
// with who triggered each; a chart of how long its recent workflows took;
// a Run form (with the inputs .factory/ declares) for its writers, Edit for
// its admins and Caches for everyone else.
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
      // Those who may not change the settings find the project's caches on its edit page.
      h('a', {class: 'button secondary', href: `/projects/${id}/edit`}, mayAdminister(project) ? 'Edit' : 'Caches')),
    h('p', {class: 'muted'}, project.url, ' · your role: ', project.role),
    mayWrite(project) ? runForm(id, navigate) : null,
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

// Runs the project's pipelines for a branch's head (a manual event) with the
// inputs its .factory/ declares there. Opening the form asks the server for
// them (a git fetch: not on every visit of the page), and so does changing
// the branch; each input becomes a field: a select for one with options, a
// checkbox for a bool, a text field otherwise, filled with its default. The
// server checks the values; its refusal of an input shows beside its field.
function runForm(id, navigate) {
  const branch = h('input', {id: 'run-branch', name: 'branch', value: 'main', autocomplete: 'off',
                             'aria-describedby': 'run-branch-error'});
  const branchError = h('p', {class: 'error', id: 'run-branch-error'});
  const fields = h('div', {class: 'run-inputs'});
  const message = h('p', {class: 'error', role: 'alert'});
  let loaded = null;  // {branch, fields: [inputField…]} once read
  let reading = null;  // {branch, done}: the read under way, which a second ask of the same branch waits for

  const read = async (name) => {
    loaded = null;
    branchError.textContent = message.textContent = '';
    fields.replaceChildren(h('p', {class: 'muted'}, `Reading the inputs of ${name}…`));
    try {
      const answer = await get(`/api/v1/projects/${id}/inputs?branch=${encodeURIComponent(name)}`);
      if (reading?.branch !== name) return;  // another branch was asked for meanwhile
      loaded = {branch: name, fields: answer.inputs.map(inputField)};
      fields.replaceChildren(...(loaded.fields.length ? loaded.fields.map((field) => field.element)
                                                      : [h('p', {class: 'muted'}, 'This branch declares no inputs.')]));
    } catch (error) {
      if (reading?.branch !== name) return;
      fields.replaceChildren();
      branchError.textContent = error.message;
    } finally {
      if (reading?.branch === name) reading = null;
    }
  };
  const load = () => {
    const name = branch.value.trim();
    if (reading?.branch !== name) reading = {branch: name, done: read(name)};
    return reading.done;
  };

  const run = async (event) => {
    event.preventDefault();
    if (loaded?.branch !== branch.value.trim()) {
      await load();
      if (!loaded || loaded.fields.length) return;  // a person looks at the inputs before they run
    }
    message.textContent = '';
    for (const field of loaded.fields) field.error.textContent = '';
    const inputs = Object.fromEntries(loaded.fields.map((field) => [field.name, field.value()])
                                                   .filter(([, value]) => value !== undefined));
    try {
      const queued = await call('POST', `/api/v1/projects/${id}/trigger`, {branch: loaded.branch, inputs});
      navigate(`/workflows/${queued.id}`);
    } catch (error) {
      const unplaced = [];
      for (const [name, problem] of Object.entries(error.details?.inputs ?? {})) {
        const field = loaded.fields.find((each) => each.name === name);
        if (field) field.error.textContent = problem;
        else unplaced.push(problem);
      }
      message.textContent = error.details?.inputs ? unplaced.join('; ') : error.message;
    }
  };

  const form = h('form', {id: 'run-form', class: 'card run-form', hidden: true, onsubmit: run},
    h('div', {class: 'run-field'}, h('label', {for: 'run-branch'}, 'Branch'), branch, branchError),
    fields,
    h('button', {type: 'submit'}, 'Run'),
    message);
  branch.addEventListener('change', load);
  const toggle = h('button', {type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': 'run-form',
                              onclick: () => {
    form.hidden = !form.hidden;
    toggle.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden && !loaded) load();
  }}, 'Run workflow');
  return h('div', {class: 'run'}, toggle, form);
}

// One input of the Run form: its field, where the server's refusal of it
// goes, and its value for the trigger (undefined: not given, so the server
// takes its default or says it is required).
function inputField(input) {
  const id = `input-${input.name}`;
  const error = h('p', {class: 'error', id: `${id}-error`});
  const common = {id, name: input.name, 'aria-describedby': `${id}-error ${id}-hint`};
  let control, value;
  if (input.options.length) {
    control = h('select', common, input.options.map((option) =>
      h('option', {value: String(option), selected: option === input.default}, String(option))));
    value = () => control.value;
  } else if (input.type === 'bool') {
    control = h('input', {...common, type: 'checkbox', checked: input.default === true});
    value = () => control.checked;
  } else {
    // Text, for numbers too: the server's message says what is wrong with
    // a value, where a number field would just drop it.
    control = h('input', {...common, type: 'text', autocomplete: 'off', value: input.default ?? '',
                          inputmode: input.type === 'number' ? 'decimal' : null});
    value = () => (control.value === '' && (input.required || input.type === 'number') ? undefined : control.value);
  }
  const hint = [input.description, input.required ? 'required' : null].filter(Boolean).join(' · ');
  const element = h('div', {class: `run-field input-${input.type}`},
    h('label', {for: id}, input.name), control,
    h('p', {class: 'hint', id: `${id}-hint`}, hint), error);
  return {name: input.name, element, error, value};
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
