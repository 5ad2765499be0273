// One workflow: its pipelines as a graph, in columns by depends_on, each with
// its stages and executions; who triggered, approved, cancelled or re-ran it;
// a fork's pull request waiting for approval, with who may approve; cancel,
// re-run and approve for the project's writers; a pipeline waiting at its
// environment's gate, with who may approve it and the buttons; the configuration's
// diagnostics when it was not valid. Refreshed every second while shown.
import {call, get, poll} from './api.js';
import {h, statusBadge, durationOf, describeEvent, shortSha, timeElement, isFinal, mayWrite,
        replaceKeepingFocus} from './dom.js';

export async function renderWorkflow(main, [id], {signal, navigate}) {
  const {project_id: projectId} = await get(`/api/v1/workflows/${id}`, {signal});
  const project = await get(`/api/v1/projects/${projectId}`, {signal});
  const summary = h('div');
  const approval = h('div');
  const actions = h('div', {class: 'buttons'});
  const graph = h('div', {class: 'graph', role: 'list', 'aria-label': 'Pipelines'});
  const message = h('p', {class: 'error', role: 'alert'});
  main.append(summary, approval, actions, message, graph);
  const act = (label, path, after) => h('button', {type: 'button', onclick: async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    message.textContent = '';
    try {
      after(await call('POST', path));
    } catch (error) {
      message.textContent = error.message;
      button.disabled = false;
    }
  }}, label);
  // Buttons only for those who may use them: the API would refuse the others.
  const writer = mayWrite(project);
  const cancel = writer ? act('Cancel', `/api/v1/workflows/${id}/cancel`, () => {}) : null;
  const rerun = writer ? act('Re-run', `/api/v1/workflows/${id}/rerun`, (queued) => navigate(`/workflows/${queued.id}`))
                       : null;
  const approve = writer ? act('Approve', `/api/v1/workflows/${id}/approve`, () => {}) : null;
  cancel?.classList.add('danger');
  if (writer) actions.append(cancel, rerun);
  await poll(async () => {
    const workflow = await get(`/api/v1/workflows/${id}`, {signal});
    document.title = `${workflow.status} · ${describeEvent(workflow.event)} · FactoryCI`;
    if (writer) {
      cancel.hidden = isFinal(workflow.status);
      rerun.hidden = workflow.status === 'waiting_for_approval';  // approving is what runs it
      rerun.disabled = false;
    }
    replaceKeepingFocus(summary, workflowSummary(workflow, project));
    replaceKeepingFocus(approval, approvalPanel(workflow, approve));
    replaceKeepingFocus(graph, pipelineColumns(workflow, act));
  }, signal);
}

const fact = (term, value) => h('div', {}, h('dt', {}, term), h('dd', {}, value));

// Who did what to the workflow (the API's actors and approval), as facts.
function actorFacts({actors = {}, approval}) {
  return [
    actors.triggered_by ? fact('Triggered by', actors.triggered_by) : null,
    approval?.approved_by ? fact('Approved by', [approval.approved_by, ' ', timeElement(approval.approved_at)]) : null,
    actors.cancelled_by ? fact('Cancelled by', actors.cancelled_by) : null,
    actors.rerun_of ? fact('Re-run of', h('a', {href: `/workflows/${actors.rerun_of}`}, 'an earlier workflow')) : null,
  ];
}

// A pull request from a fork waits until someone with write access approves
// it: the panel says who may, and why (the project's setting).
function approvalPanel(workflow, approveButton) {
  if (workflow.status !== 'waiting_for_approval') return [];
  const approval = workflow.approval ?? {};
  const named = approval.may_approve?.length ? ` (${approval.may_approve.join(', ')})` : '';
  return h('section', {class: 'card approval', 'aria-labelledby': 'approval-title'},
    h('h2', {id: 'approval-title'}, 'Waiting for approval'),
    h('p', {}, 'A pull request from a fork runs once someone with write access approves it, without secrets.'),
    h('p', {}, 'May approve: ', approval.note || 'users with write access to the project', named),
    approveButton ?? h('p', {class: 'muted small'}, 'You may not approve it: that needs the write role on the project.'));
}

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
      workflow.waiting_reason ? fact('Waiting', workflow.waiting_reason) : null,
      actorFacts(workflow)),
    workflow.status_reason
      ? h('pre', {class: invalid ? 'diagnostics' : 'reason', 'aria-label': invalid ? 'Configuration diagnostics' : 'Reason'},
          workflow.status_reason)
      : null,
  ];
}

// Each pipeline goes one column right of the furthest pipeline it depends
// on, so the graph reads left to right in the order pipelines run. (The plan
// lists dependencies first.)
function pipelineColumns({id, pipelines}, act) {
  if (!pipelines.length) return [h('p', {class: 'muted'}, 'No pipelines yet: the plan is made when an agent starts.')];
  const column = new Map();
  const columns = [];
  for (const pipeline of pipelines) {
    const at = Math.max(-1, ...pipeline.depends_on.map((name) => column.get(name) ?? -1)) + 1;
    column.set(pipeline.name, at);
    (columns[at] ??= []).push(pipeline);
  }
  return columns.map((members) =>
    h('div', {class: 'column', role: 'listitem'}, members.map((pipeline) => pipelineCard(pipeline, id, act))));
}

// A pipeline waiting at its environment's gate for an approver: who may
// approve it, and the buttons (the API answers 403 to anyone else).
function deploymentApproval({id, gate}, act) {
  if (!gate) return null;
  return h('div', {class: 'approval', 'aria-label': 'Deployment approval'},
    h('p', {class: 'small'}, `May approve the deployment to ${gate.environment}: ${gate.approval.note}`),
    h('div', {class: 'buttons'}, act('Approve', `/api/v1/pipelines/${id}/approve`, () => {}),
      act('Reject', `/api/v1/pipelines/${id}/reject`, () => {})));
}

function pipelineCard(pipeline, workflowId, act) {
  return h('section', {class: `pipeline status-${pipeline.status}`, 'aria-label': `Pipeline ${pipeline.name}`},
    h('header', {}, h('h2', {}, pipeline.name), statusBadge(pipeline.status),
      h('span', {class: 'duration'}, durationOf(pipeline))),
    pipeline.depends_on.length ? h('p', {class: 'muted small'}, `after ${pipeline.depends_on.join(', ')}`) : null,
    pipeline.status_reason ? h('p', {class: 'muted small'}, pipeline.status_reason) : null,
    deploymentApproval(pipeline, act),
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
