// One workflow: its pipelines as a graph, in columns by depends_on, each with
// its stages and executions; cancel and re-run; the configuration's
// diagnostics when it was not valid. Refreshed every second while shown.
import {call, get, poll} from './api.js';
import {h, statusBadge, durationOf, describeEvent, shortSha, timeElement, isFinal, replaceKeepingFocus} from './dom.js';

export async function renderWorkflow(main, [id], {signal, navigate}) {
  const summary = h('div');
  const actions = h('div', {class: 'buttons'});
  const graph = h('div', {class: 'graph', role: 'list', 'aria-label': 'Pipelines'});
  const message = h('p', {class: 'error', role: 'alert'});
  main.append(summary, actions, message, graph);
  const act = (label, path, after) => h('button', {type: 'button', onclick: async (event) => {
    event.currentTarget.disabled = true;
    message.textContent = '';
    try {
      after(await call('POST', path));
    } catch (error) {
      message.textContent = error.message;
    }
  }}, label);
  const cancel = act('Cancel', `/api/v1/workflows/${id}/cancel`, () => {});
  const rerun = act('Re-run', `/api/v1/workflows/${id}/rerun`, (queued) => navigate(`/workflows/${queued.id}`));
  cancel.classList.add('danger');
  actions.append(cancel, rerun);
  let project;
  await poll(async () => {
    const workflow = await get(`/api/v1/workflows/${id}`, {signal});
    project ??= await get(`/api/v1/projects/${workflow.project_id}`, {signal});
    document.title = `${workflow.status} · ${describeEvent(workflow.event)} · FactoryCI`;
    cancel.hidden = isFinal(workflow.status);
    rerun.disabled = false;
    replaceKeepingFocus(summary, workflowSummary(workflow, project));
    replaceKeepingFocus(graph, pipelineColumns(workflow));
  }, signal);
}

const fact = (term, value) => h('div', {}, h('dt', {}, term), h('dd', {}, value));

function workflowSummary(workflow, project) {
  const event = workflow.event;
  const invalid = workflow.status_reason.startsWith('the configuration is not valid');
  return [
    h('p', {class: 'crumbs'}, h('a', {href: `/projects/${project.id}`}, `${project.owner.name}/${project.name}`)),
    h('div', {class: 'heading'}, h('h1', {}, describeEvent(event)), statusBadge(workflow.status)),
    h('dl', {class: 'facts'},
      fact('Commit', h('code', {title: event.sha}, shortSha(event.sha))),
      fact('Started', timeElement(workflow.started_at)),
      fact('Duration', durationOf(workflow) || '—'),
      workflow.waiting_reason ? fact('Waiting', workflow.waiting_reason) : null),
    workflow.status_reason
      ? h('pre', {class: invalid ? 'diagnostics' : 'reason', 'aria-label': invalid ? 'Configuration diagnostics' : 'Reason'},
          workflow.status_reason)
      : null,
  ];
}

// Each pipeline goes one column right of the furthest pipeline it depends
// on, so the graph reads left to right in the order pipelines run. (The plan
// lists dependencies first.)
function pipelineColumns({id, pipelines}) {
  if (!pipelines.length) return [h('p', {class: 'muted'}, 'No pipelines yet: the plan is made when an agent starts.')];
  const column = new Map();
  const columns = [];
  for (const pipeline of pipelines) {
    const at = Math.max(-1, ...pipeline.depends_on.map((name) => column.get(name) ?? -1)) + 1;
    column.set(pipeline.name, at);
    (columns[at] ??= []).push(pipeline);
  }
  return columns.map((members) =>
    h('div', {class: 'column', role: 'listitem'}, members.map((pipeline) => pipelineCard(pipeline, id))));
}

function pipelineCard(pipeline, workflowId) {
  return h('section', {class: `pipeline status-${pipeline.status}`, 'aria-label': `Pipeline ${pipeline.name}`},
    h('header', {}, h('h2', {}, pipeline.name), statusBadge(pipeline.status),
      h('span', {class: 'duration'}, durationOf(pipeline))),
    pipeline.depends_on.length ? h('p', {class: 'muted small'}, `after ${pipeline.depends_on.join(', ')}`) : null,
    pipeline.status_reason ? h('p', {class: 'muted small'}, pipeline.status_reason) : null,
    h('ol', {class: 'stages'}, pipeline.stages.map((stage) =>
      h('li', {},
        h('div', {class: 'stage'}, h('span', {}, stage.name), statusBadge(stage.status),
          h('span', {class: 'duration'}, durationOf(stage))),
        h('ul', {class: 'executions'}, stage.executions.map((execution) => executionItem(execution, workflowId)))))));
}

// The log page learns its workflow from the link, to show where it belongs.
function executionItem(execution, workflowId) {
  return h('li', {},
    h('a', {href: `/executions/${execution.id}?workflow=${workflowId}`}, statusBadge(execution.status), ' ', execution.name),
    h('span', {class: 'duration'}, durationOf(execution)),
    execution.status_reason ? h('span', {class: 'muted small'}, execution.status_reason) : null);
}
