// Environments and deployment approvals in headless Chromium against a real
// server and the GitHub stand-in, as a team uses them: the admin adds the
// approver as a member, creates environment "production" (an approver, its
// branches) and "staging" on the project's edit page, is told beside the
// field what the server refuses, edits and deletes, and sets a secret of
// production; a push runs `deploy` (production) and `preview` (staging);
// the workflow page shows the deploy waiting for approval and who may
// approve; the approver approves it, it runs with the secret masked in its
// log, and the preview never had it; on the next push the approver rejects
// the deploy, which ends cancelled with the reason.
import assert from 'node:assert/strict';
import {before} from 'node:test';
import {GitHubStandin, Installation, launchBrowser, requireChromium, screenshot, signInWithGitHub, testSteps,
        waitFor} from './harness.mjs';

requireChromium();

const installation = new Installation();
const github = new GitHubStandin();
const pages = {};
let browser, project;
const deployKey = 'prod-s3cr3t-key';

const pipeline = (name, environment) => `
pipeline "${name}" {
  environment = "${environment}"
  stage "ship" {
    exec "ship" {
      run = "echo key: $\${DEPLOY_KEY:-unset}"
    }
  }
}
`;

before(async () => {
  const files = {'.factory/ci.hcl': pipeline('deploy', 'production') + pipeline('preview', 'staging')};
  project = await installation.startWithGitHub(github, {main: files}, ['ada']);
  browser = await launchBrowser();
});

const step = testSteps(installation, pages, () => browser?.close());

const signInAs = (login) => signInWithGitHub({browser, github, installation, pages}, login);
const environmentRow = (section, name) =>
  section.getByRole('row').filter({has: section.page().getByText(name, {exact: true})});

const workflow = (id) => installation.api('GET', `/api/v1/workflows/${id}`);
const pipelineOf = (view, name) => view.pipelines.find((each) => each.name === name);
const logOf = async (view, name) => {
  const execution = pipelineOf(view, name).stages[0].executions[0].id;
  return (await installation.api('GET', `/api/v1/executions/${execution}/log`)).lines.map((line) => line.text);
};

step('the admin sets up production and staging on the project\'s edit page', async () => {
  const page = await signInAs('ada');
  await page.goto(`${installation.origin}/projects/${project.id}/edit`);
  const members = page.getByRole('region', {name: 'Members'});
  await members.getByLabel('GitHub login').fill('walt');
  await members.getByLabel('Role').selectOption('write');
  await members.getByRole('button', {name: 'Add member'}).click();
  await members.getByRole('cell', {name: 'walt', exact: true}).waitFor();

  const environments = page.getByRole('region', {name: 'Environments'});
  await environments.getByText('No environments').waitFor();
  // A refusal goes beside the field it is about, and nothing is made.
  await environments.getByLabel('Environment name').fill('production');
  await environments.getByLabel('Required approvers').fill('walt, not a login!');
  await environments.getByRole('button', {name: 'Set environment', exact: true}).click();
  await page.locator('#environment-approvers-error').getByText(/approver 'not a login!'/).waitFor();
  await environments.getByLabel('Required approvers').fill('walt');
  await environments.getByLabel('Wait timer (minutes)').fill('soon');
  await environments.getByRole('button', {name: 'Set environment', exact: true}).click();
  await page.locator('#environment-wait-error').getByText(/wait_timer_minutes must be a whole number/).waitFor();
  assert.equal(await page.locator('#environment-approvers-error').textContent(), '');
  assert.deepEqual((await installation.api('GET', `/api/v1/projects/${project.id}/environments`)).items, []);

  await environments.getByLabel('Wait timer (minutes)').fill('');
  await environments.getByLabel('Allowed branches').fill('main');
  await environments.getByRole('button', {name: 'Set environment', exact: true}).click();
  const production = environmentRow(environments, 'production');
  await production.waitFor();
  assert.match(await production.textContent(), /production\s*walt\s*main\s*none\s*none/);
  assert.equal(await environments.getByLabel('Environment name').inputValue(), '');  // cleared once saved

  // Edit: the form takes the environment's rules, and keeps its name.
  await environments.getByRole('button', {name: 'Edit environment production'}).click();
  assert.equal(await environments.getByLabel('Required approvers').inputValue(), 'walt');
  assert.equal(await environments.getByLabel('Environment name').getAttribute('readonly'), '');
  await environments.getByLabel('Allowed branches').fill('main, release/*');
  await environments.getByRole('button', {name: 'Set environment', exact: true}).click();
  await production.getByText('main, release/*').waitFor();

  for (const name of ['staging', 'scratch']) {
    await environments.getByLabel('Environment name').fill(name);
    await environments.getByRole('button', {name: 'Set environment', exact: true}).click();
    await environmentRow(environments, name).waitFor();
  }
  assert.match(await environmentRow(environments, 'staging').textContent(), /nobody needs to approve\s*any/);
  await environments.getByRole('button', {name: 'Delete environment scratch'}).click();
  await environmentRow(environments, 'scratch').waitFor({state: 'detached'});

  await environments.getByLabel('Environment', {exact: true}).selectOption('production');
  await environments.getByLabel('Secret name').fill('not-a-name');
  await environments.getByLabel('Secret value').fill(deployKey);
  await environments.getByRole('button', {name: 'Set environment secret'}).click();
  await page.locator('#environment-secret-name-error').getByText(/is not an environment variable name/).waitFor();
  await environments.getByLabel('Secret name').fill('DEPLOY_KEY');
  await environments.getByRole('button', {name: 'Set environment secret'}).click();
  await production.getByText('DEPLOY_KEY').waitFor();
  assert.equal(await environments.getByLabel('Secret value').inputValue(), '');
  assert.equal(await page.getByText(deployKey).count(), 0);  // never shown back
  assert.match(await environmentRow(environments, 'staging').textContent(), /none/);
  await screenshot(page, 'project-environments');

  const made = await installation.api('GET', `/api/v1/projects/${project.id}/environments`);
  assert.deepEqual(made.items.map(({name, approvers, branches}) => ({name, approvers, branches})),
                   [{name: 'production', approvers: ['walt'], branches: ['main', 'release/*']},
                    {name: 'staging', approvers: [], branches: []}]);
});

step('a push waits for approval; the approver approves, and the deploy runs with the secret masked', async () => {
  const id = await installation.push('main', project.webhook_secret);
  const page = await signInAs('walt');
  await page.goto(`${installation.origin}/workflows/${id}`);
  const deploy = page.getByRole('region', {name: 'Pipeline deploy'});
  await deploy.locator('.status-waiting_for_approval').waitFor({timeout: 30_000});
  await deploy.getByText('May approve the deployment to production: walt').waitFor();
  await deploy.getByText('waiting for approval by walt (environment "production")').waitFor();
  await page.getByRole('region', {name: 'Pipeline preview'}).locator('header .status-success').waitFor();
  await screenshot(page, 'workflow-deployment-approval');

  await deploy.getByRole('button', {name: 'Approve'}).click();
  await page.locator('.heading .status-success').waitFor({timeout: 30_000});
  await deploy.getByRole('link', {name: /ship/}).click();
  await page.getByRole('region', {name: 'Log lines'}).getByText('key: ***').waitFor();
  assert.equal(await page.getByText(deployKey).count(), 0);

  const ended = await workflow(id);
  assert.equal(pipelineOf(ended, 'deploy').status, 'success');
  assert.deepEqual(await logOf(ended, 'deploy'), ['key: ***']);
  assert.deepEqual(await logOf(ended, 'preview'), ['key: unset']);  // another environment's pipeline
  const audit = await installation.api('GET', '/api/v1/audit?action=pipeline.approve');
  assert.equal(audit.items.length, 1);
  assert.equal(audit.items[0].actor, 'walt');
});

step('the approver rejects the next deploy, which ends cancelled with the reason', async () => {
  const id = await installation.push('main', project.webhook_secret);
  const page = pages.walt;
  await page.goto(`${installation.origin}/workflows/${id}`);
  const deploy = page.getByRole('region', {name: 'Pipeline deploy'});
  await deploy.locator('.status-waiting_for_approval').waitFor({timeout: 30_000});
  await deploy.getByRole('button', {name: 'Reject'}).click();
  await deploy.locator('header .status-cancelled').waitFor({timeout: 30_000});
  await deploy.getByText('rejected by walt').waitFor();
  await waitFor(async () => (await workflow(id)).status === 'cancelled', 'the workflow to end cancelled');
  assert.equal(pipelineOf(await workflow(id), 'deploy').status_reason, 'rejected by walt');
  await screenshot(page, 'workflow-deployment-rejected');
});
