// Manual runs with inputs in headless Chromium against a real server: the
// Run form built from the input blocks of the branch's .factory/ (read by
// the server with git), a run with a chosen option whose workflow shows and
// uses its inputs, and wrong values refused beside the field they name.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {Installation, launchBrowser, requireChromium, screenshot, signIn, waitFor} from './harness.mjs';

requireChromium();

const installation = new Installation();
let browser, page, project;
let failed = false;

const deploy = `
input "environment" {
  type        = string
  options     = ["staging", "production"]
  default     = "staging"
  description = "Where to deploy"
}
input "replicas" {
  type    = number
  default = 1
}
input "dry_run" {
  type = bool
}
input "version" {
  description = "The release to deploy"
}
locals {
  dry = input.dry_run ? " (dry run)" : ""
}
pipeline "deploy" {
  filter {
    events = ["manual"]
  }
  stage "roll-out" {
    exec "deploy" {
      run = "echo 'deploying \${input.version} to \${input.environment} x\${input.replicas * 2}\${local.dry}'"
    }
  }
}
`;

before(async () => {
  installation.createRepository({main: {'.factory/ci.hcl': deploy}, plain: {'.factory/ci.hcl': `
pipeline "build" {
  stage "s" {
    exec "e" { run = "echo built" }
  }
}
`}});
  await installation.startGitDaemon();
  await installation.startServer();
  project = await installation.api('POST', '/api/v1/projects',
                                   {owner: 'acme', name: 'rocket', url: installation.cloneUrl()});
  browser = await launchBrowser();
  page = await browser.newPage({viewport: {width: 1280, height: 900}});
  await signIn(page, installation);
  await page.goto(`${installation.origin}/projects/${project.id}`);
  await page.getByRole('heading', {name: 'acme/rocket'}).waitFor();
});

after(async () => {
  await browser?.close();
  await installation.stop({failed});
});

function step(name, body) {
  test(name, async () => {
    try {
      await body();
    } catch (error) {
      failed = true;
      await screenshot(page, `failed-${name.replace(/\W+/g, '-')}`).catch(() => {});
      throw error;
    }
  });
}

step('the Run form shows the inputs of the branch, with their defaults', async () => {
  await page.getByRole('button', {name: 'Run workflow'}).click();
  const environment = page.getByLabel('environment');
  await environment.waitFor();
  assert.equal(await environment.inputValue(), 'staging');
  assert.deepEqual(await environment.locator('option').allTextContents(), ['staging', 'production']);
  assert.equal(await page.getByLabel('replicas').inputValue(), '1');
  assert.equal(await page.getByLabel('dry_run').isChecked(), false);
  assert.equal(await page.getByLabel('version').inputValue(), '');
  await page.getByText('Where to deploy').waitFor();
  await page.getByText('The release to deploy · required').waitFor();
  await screenshot(page, 'run-form');
});

step('wrong values are refused beside the fields they name, and nothing runs', async () => {
  await page.getByLabel('replicas').fill('many');
  await page.getByRole('button', {name: 'Run', exact: true}).click();
  await page.locator('#input-replicas-error').getByText('input "replicas": "many" is not a number').waitFor();
  assert.equal(await page.locator('#input-version-error').textContent(),
               'input "version" is required: it has no default');
  assert.equal(await page.locator('#input-environment-error').textContent(), '');
  assert.equal((await installation.api('GET', `/api/v1/projects/${project.id}/workflows`)).items.length, 0);
  await screenshot(page, 'run-form-refused');
});

let workflowId;

step('a run with a chosen option queues a workflow that shows and uses the inputs', async () => {
  await page.getByLabel('environment').selectOption('production');
  await page.getByLabel('replicas').fill('3');
  await page.getByLabel('dry_run').check();
  await page.getByLabel('version').fill('1.4.2');
  await page.getByRole('button', {name: 'Run', exact: true}).click();
  await page.waitForURL((url) => url.pathname.startsWith('/workflows/'));
  workflowId = new URL(page.url()).pathname.split('/')[2];
  const facts = page.locator('dl.facts');
  await facts.getByText('production').waitFor();
  assert.match(await facts.textContent(), /environment\s*production/);
  assert.match(await facts.textContent(), /replicas\s*3/);
  assert.match(await facts.textContent(), /dry_run\s*true/);
  assert.match(await facts.textContent(), /version\s*1\.4\.2/);
  await waitFor(async () => await installation.workflowStatus(workflowId) === 'success', 'the run to succeed');
  const workflow = await installation.api('GET', `/api/v1/workflows/${workflowId}`);
  assert.equal(workflow.event.name, 'manual');
  assert.equal(workflow.event.sha, installation.shas.main);
  assert.deepEqual(workflow.event.inputs,
                   {environment: 'production', replicas: '3', dry_run: 'true', version: '1.4.2'});
  const execution = workflow.pipelines[0].stages[0].executions[0];
  const log = await installation.api('GET', `/api/v1/executions/${execution.id}/log`);
  assert.ok(log.lines.some((line) => line.text === 'deploying 1.4.2 to production x6 (dry run)'),
            JSON.stringify(log.lines));
  await screenshot(page, 'workflow-inputs');
});

step('another branch has inputs of its own, or none, and a branch git cannot find says so', async () => {
  await page.goto(`${installation.origin}/projects/${project.id}`);
  await page.getByRole('button', {name: 'Run workflow'}).click();
  await page.getByLabel('environment').waitFor();
  await page.getByLabel('Branch').fill('plain');
  await page.getByLabel('Branch').press('Tab');
  await page.getByText('This branch declares no inputs.').waitFor();
  assert.equal(await page.getByLabel('environment').count(), 0);
  await page.getByLabel('Branch').fill('no-such-branch');
  await page.getByLabel('Branch').press('Tab');
  await waitFor(async () => /no-such-branch/.test(await page.locator('#run-branch-error').textContent()),
                'the branch error');
});
