// One workflow: its pipelines as a graph, in columns by depends_on, each with
// its stages and executions; who triggered, approved, cancelled or re-ran it;
// a fork's pull request waiting for approval, with who may approve; cancel,
// re-run (all of it, what failed, or one execution) and approve for the
// project's writers; in a re-run, which executions kept an earlier result
// and the earlier attempt of each that ran again; a pipeline waiting at its
// environment's gate, with who may approve it and the buttons; the configuration's
// diagnostics when it was not valid; its executions' test results (totals,
// and each failed, errored or flaky test with its message and output); the
// artifacts its executions kept, to download one by one or all as a tar.
// Refreshed every second while shown.
import {call, get, poll} from './api.js';
import {h, statusBadge, durationOf, describeEvent, shortSha, timeElement, isFinal, mayWrite, replaceKeepingFocus,
        listTable, downloadLink, sizeElement} from './dom.js';

export async function renderWorkflow(main, [id], {signal, navigate}) {
  const {project_id: projectId} = await get(`/api/v1/workflows/${id}`, {signal});
  const project = await get(`/api/v1/projects/${projectId}`, {signal});
  const summary = h('div');
  const approval = h('div');
  const actions = h('div', {class: 'buttons'});
  const graph = h('div', {class: 'graph', role: 'list', 'aria-label': 'Pipelines'});
  const message = h('p', {class: 'error', role: 'alert'});
  const tests = h('div');
  const artifacts = h('div');
  main.append(summary, approval, actions, message, graph, tests, artifacts);
  const act = (label, path, after, body, attributes = {}) => h('button', {...attributes, type: 'button',
    onclick: async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      message.textContent = '';
      try {
        after(await call('POST', path, body));
      } catch (error) {
        message.textContent = error.message;
        button.disabled = false;
      }
    }}, label);
  // Buttons only for those who may use them: the API would refuse the others.
  const writer = mayWrite(project);
  const cancel = writer ? act('Cancel', `/api/v1/workflows/${id}/cancel`, () => {}) : null;
  const rerunPath = `/api/v1/workflows/${id}/rerun`;
  const toQueued = (queued) => navigate(`/workflows/${queued.id}`);
  const rerun = writer ? act('Re-run', rerunPath, toQueued) : null;
  const rerunFailed = writer ? act('Re-run failed', rerunPath, toQueued, {failed: true}) : null;
  // One execution: a button beside each, once the workflow has ended.
  const rerunOne = (execution) => act('Re-run', rerunPath, toQueued, {execution: execution.id},
                                      {class: 'link', 'aria-label': `Re-run ${execution.name}`});
  const approve = writer ? act('Approve', `/api/v1/workflows/${id}/approve`, () => {}) : null;
  cancel?.classList.add('danger');
  if (writer) actions.append(cancel, rerun, rerunFailed);
  let earlier = null;  // the executions of the workflow this one re-runs, by id
  let endedReadAfter = null;  // the executions that had ended when tests and artifacts were last read
  let testsShown = '';
  let artifactsShown = '';
  await poll(async () => {
    const workflow = await get(`/api/v1/workflows/${id}`, {signal});
    document.title = `${workflow.status} · ${describeEvent(workflow.event)} · FactoryCI`;
    const finished = isFinal(workflow.status);
    if (writer) {
      cancel.hidden = finished;
      rerun.hidden = workflow.status === 'waiting_for_approval';  // approving is what runs it
      rerun.disabled = false;
      rerunFailed.hidden = !finished || !executionsOf(workflow).some((execution) => failed(execution.status));
      rerunFailed.disabled = false;
    }
    if (workflow.actors.rerun_of && !earlier) earlier = await earlierExecutions(workflow.actors.rerun_of, signal);
    replaceKeepingFocus(summary, workflowSummary(workflow, project));
    replaceKeepingFocus(approval, approvalPanel(workflow, approve));
    replaceKeepingFocus(graph, pipelineColumns(workflow, {earlier: earlier ?? new Map(),
                                                          rerunOne: writer && finished ? rerunOne : null, act}));
    // An execution's test results and artifacts come in as it ends: both
    // are read again when another execution has ended, and once the
    // workflow has (its last uploads are in by then); after that they do
    // not change.
    const ended = JSON.stringify([finished, executionsOf(workflow).filter(({status}) => isFinal(status))
                                                                  .map((execution) => execution.id)]);
    if (ended === endedReadAfter) return;
    const [results, {items}] = await Promise.all([get(`/api/v1/workflows/${id}/tests`, {signal}),
                                                  get(`/api/v1/workflows/${id}/artifacts`, {signal})]);
    endedReadAfter = ended;
    // Redrawn only when changed: a redraw would close the outputs opened.
    if (JSON.stringify(results) !== testsShown) {
      testsShown = JSON.stringify(results);
      replaceKeepingFocus(tests, testResults(id, results));
    }
    if (JSON.stringify(items) === artifactsShown) return;
    artifactsShown = JSON.stringify(items);
    replaceKeepingFocus(artifacts, artifactList(id, items, (error) => { message.textContent = error.message; }));
  }, signal);
}

const failed = (status) => status === 'failure' || status === 'error' || status === 'cancelled';

const executionsOf = ({pipelines = []}) =>
  pipelines.flatMap((pipeline) => pipeline.stages.flatMap((stage) => stage.executions));

// The executions of a finished workflow do not change: read once.
async function earlierExecutions(workflowId, signal) {
  const workflow = await get(`/api/v1/workflows/${workflowId}`, {signal});
  return new Map(executionsOf(workflow).map((execution) => [execution.id, {...execution, workflowId}]));
}

const fact = (term, value) => h('div', {}, h('dt', {}, term), h('dd', {}, value));

// Who did what to the workflow (the API's actors and approval), as facts.
function actorFacts({actors = {}, approval, rerun}) {
  const reran = {failed: ', its failed executions', execution: ', one execution'}[rerun?.selection] ?? '';
  return [
    actors.triggered_by ? fact('Triggered by', actors.triggered_by) : null,
    approval?.approved_by ? fact('Approved by', [approval.approved_by, ' ', timeElement(approval.approved_at)]) : null,
    actors.cancelled_by ? fact('Cancelled by', actors.cancelled_by) : null,
    actors.rerun_of
      ? fact('Re-run of', [h('a', {href: `/workflows/${actors.rerun_of}`}, 'an earlier workflow'), reran]) : null,
  ];
}

// A manual run's inputs, one fact each: "environment production".
const inputFacts = ({inputs = {}}) =>
  Object.entries(inputs).map(([name, value]) => fact(name, h('code', {class: 'input-value'}, value)));

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
      actorFacts(workflow),
      inputFacts(event)),
    workflow.status_reason
      ? h('pre', {class: invalid ? 'diagnostics' : 'reason', 'aria-label': invalid ? 'Configuration diagnostics' : 'Reason'},
          workflow.status_reason)
      : null,
  ];
}

// Each pipeline goes one column right of the furthest pipeline it depends
// on, so the graph reads left to right in the order pipelines run. (The plan
// lists dependencies first.)
function pipelineColumns({id, pipelines}, rerun) {
  if (!pipelines.length) return [h('p', {class: 'muted'}, 'No pipelines yet: the plan is made when an agent starts.')];
  const column = new Map();
  const columns = [];
  for (const pipeline of pipelines) {
    const at = Math.max(-1, ...pipeline.depends_on.map((name) => column.get(name) ?? -1)) + 1;
    column.set(pipeline.name, at);
    (columns[at] ??= []).push(pipeline);
  }
  return columns.map((members) =>
    h('div', {class: 'column', role: 'listitem'}, members.map((pipeline) => pipelineCard(pipeline, id, rerun))));
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

function pipelineCard(pipeline, workflowId, rerun) {
  return h('section', {class: `pipeline status-${pipeline.status}`, 'aria-label': `Pipeline ${pipeline.name}`},
    h('header', {}, h('h2', {}, pipeline.name), statusBadge(pipeline.status),
      h('span', {class: 'duration'}, durationOf(pipeline))),
    pipeline.depends_on.length ? h('p', {class: 'muted small'}, `after ${pipeline.depends_on.join(', ')}`) : null,
    pipeline.status_reason ? h('p', {class: 'muted small'}, pipeline.status_reason) : null,
    deploymentApproval(pipeline, rerun.act),
    h('ol', {class: 'stages'}, pipeline.stages.map((stage) =>
      h('li', {},
        h('div', {class: 'stage'}, h('span', {}, stage.name), statusBadge(stage.status),
          h('span', {class: 'duration'}, durationOf(stage)),
          stage.status_reason ? h('span', {class: 'muted small'}, stage.status_reason) : null),
        h('ul', {class: 'executions'},
          stage.executions.map((execution) => executionItem(execution, workflowId, rerun)))))));
}

// The log page learns its workflow from the link, to show where it belongs.
const logLink = (execution, workflowId, ...label) =>
  h('a', {href: `/executions/${execution.id}${workflowId ? `?workflow=${workflowId}` : ''}`}, ...label);

// A kept execution links to the log of the run whose result it kept; one
// that ran again to its earlier attempt, with that attempt's status when
// the earlier workflow has it (a longer chain of re-runs links further back).
function executionItem(execution, workflowId, {earlier, rerunOne}) {
  const before = earlier.get(execution.kept_from ?? execution.rerun_of) ?? {id: execution.kept_from ?? execution.rerun_of};
  return h('li', {},
    logLink(execution, workflowId, statusBadge(execution.status), ' ', execution.name),
    h('span', {class: 'duration'}, durationOf(execution)),
    execution.kept_from
      ? h('span', {class: 'muted small kept'}, 'kept: ', logLink(before, before.workflowId, 'earlier log'))
      : execution.status_reason ? h('span', {class: 'muted small'}, execution.status_reason) : null,
    execution.rerun_of
      ? h('span', {class: 'small attempt'}, 'earlier attempt: ',
          logLink(before, before.workflowId, before.status ? statusBadge(before.status) : 'log'))
      : null,
    rerunOne ? rerunOne(execution) : null);
}

// "120 passed, 2 failed, 3 skipped", as `factory run` says it.
function totalsText({passed, failures, errors, skipped, flaky}) {
  return [`${passed} passed`, `${failures} failed`, errors ? `${errors} ${errors === 1 ? 'error' : 'errors'}` : null,
          `${skipped} skipped`, flaky ? `${flaky} flaky` : null].filter(Boolean).join(', ');
}

const testPlace = ({file, line}) => file ? `${file}${line ? `:${line}` : ''}` : '';

// One failed, errored or flaky test: its name and message, and its output
// (the failure's text, then what it printed) when opened.
function testProblem(problem) {
  const label = {failure: 'failed', error: 'error', flaky: 'flaky'}[problem.outcome];
  const place = testPlace(problem);
  return h('li', {class: `test-problem test-${problem.outcome}`},
    h('details', {},
      h('summary', {},
        h('span', {class: `status status-${problem.outcome === 'flaky' ? 'running' : 'failure'}`}, label), ' ',
        h('span', {class: 'test-name'}, problem.suite ? `${problem.suite} › ` : '', h('strong', {}, problem.name)),
        place ? h('code', {class: 'muted small breakable'}, place) : null,
        problem.message ? h('span', {class: 'test-message'}, problem.message.split('\n')[0]) : null),
      problem.output || problem.message
        ? h('pre', {class: 'test-output'}, problem.output || problem.message) : h('p', {class: 'muted'}, 'no output')));
}

// The test results of the executions that have reports, when any has:
// each execution's totals (a link to its log) and its failed, errored and
// flaky tests, flaky ones marked.
function testResults(workflowId, {totals, executions}) {
  if (!executions.length) return [];
  return h('section', {class: 'card tests', 'aria-labelledby': 'tests-title'},
    h('div', {class: 'heading'}, h('h2', {id: 'tests-title'}, 'Tests'),
      h('span', {class: 'muted'}, totalsText(totals))),
    executions.map((execution) => h('div', {class: 'test-execution'},
      h('h3', {}, logLink({id: execution.execution_id}, workflowId,
                          `${execution.pipeline}/${execution.stage}/${execution.execution}`),
        ' ', h('span', {class: 'muted small'}, totalsText(execution.totals))),
      execution.problems.length
        ? h('ul', {class: 'test-problems', 'aria-label': `Failed tests of ${execution.execution}`},
            execution.problems.map(testProblem))
        : null)));
}

// The artifacts, when there are any: each with its execution (a link to its
// log), its path (the link that downloads it), size and expiry, and the
// archive of all of them.
function artifactList(workflowId, items, failed) {
  if (!items.length) return [];
  const path = `/api/v1/workflows/${workflowId}/artifacts`;
  const total = items.reduce((sum, artifact) => sum + artifact.size, 0);
  return h('section', {class: 'card artifacts', 'aria-labelledby': 'artifacts-title'},
    h('div', {class: 'heading'}, h('h2', {id: 'artifacts-title'}, 'Artifacts'),
      h('span', {class: 'muted'}, `${items.length} ${items.length === 1 ? 'file' : 'files'}, `, sizeElement(total)),
      downloadLink(`${path}.tar`, `artifacts-${workflowId}.tar`, failed, {class: 'button secondary'},
                   'Download all')),
    listTable(['Execution', 'File', 'Size', 'Expires'], items.map((artifact) => {
      // The API leaves the place empty for an execution it does not find in the tree.
      const execution = artifact.execution || artifact.execution_id;
      return h('tr', {},
        h('td', {}, logLink({id: artifact.execution_id}, workflowId, execution)),
        h('td', {}, downloadLink(`${path}/${artifact.id}`, artifact.path.slice(artifact.path.lastIndexOf('/') + 1),
                                 failed, {'aria-label': `Download ${artifact.path} of ${execution}`},
                                 h('code', {class: 'breakable'}, artifact.path))),
        h('td', {class: 'number nowrap'}, sizeElement(artifact.size)),
        h('td', {class: 'nowrap'}, timeElement(artifact.expires_at)));
    }), ''));
}
