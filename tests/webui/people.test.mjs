// People and permissions in headless Chromium against a real server and the
// GitHub stand-in: signing in through GitHub's OAuth flow; an admin named
// with --admin granting roles and setting a scoped secret on the project's
// edit page; a reader seeing workflows and logs without the buttons of a
// writer, and refused (403) by the API when trying; a writer cancelling,
// re-running and approving a fork's pull request, with who did what shown;
// a role from the repository's permission on GitHub; someone without access
// getting "Not found" (404) for the project's pages and API; personal API
// tokens; the audit log; a public project read signed out; signing out
// ending the session on the server. Each person has a browser context (and
// so a cookie jar) of their own.
import assert from 'node:assert/strict';
import {before} from 'node:test';
import {GitHubStandin, Installation, launchBrowser, requireChromium, screenshot, signInWithGitHub, testSteps,
        waitFor} from './harness.mjs';

requireChromium();

const installation = new Installation();
const github = new GitHubStandin();
let browser, project, secret, finished, running, forkPullRequest, gadget;
const pages = {};

function branches() {
  return {
    main: {'.factory/ci.hcl': `
pipeline "build" {
  stage "compile" {
    exec "make" {
      run = "echo built the rocket"
    }
  }
}
`},
    long: {'.factory/ci.hcl': `
pipeline "soak" {
  stage "run" {
    exec "forever" {
      run = "echo started; sleep 300"
    }
  }
}
`},
    feature: {'.factory/ci.hcl': `
pipeline "build" {
  stage "compile" {
    exec "make" {
      run = "echo built from a fork"
    }
  }
}
`},
  };
}

before(async () => {
  installation.createRepository(branches());
  await installation.startGitDaemon();
  await github.start(installation);
  await github.addRepository('acme/rocket');
  await github.addRepository('acme/gadget');
  await installation.startServerWithGitHub(github, ['ada']);
  project = await installation.api('POST', '/api/v1/projects',
                                   {owner: 'acme', name: 'rocket', url: installation.cloneUrl(), create_webhook: false});
  secret = project.webhook_secret;
  // A project on the stand-in's GitHub: roles there come from the repository's permissions.
  gadget = await installation.api('POST', '/api/v1/projects',
                                  {owner: 'acme', name: 'gadget', url: `${github.url}/acme/gadget.git`, create_webhook: false});
  finished = await installation.push('main', secret);
  await waitFor(async () => await installation.workflowStatus(finished) === 'success', 'the first workflow to succeed');
  browser = await launchBrowser();
});

const step = testSteps(installation, pages, () => browser?.close());

const signInAs = (login) => signInWithGitHub({browser, github, installation, pages}, login);

// A request the page makes with its own session, as the UI makes them.
function fetchAs(page, method, target, {csrf = true} = {}) {
  return page.evaluate(async ([method, target, csrf]) => {
    const user = await (await fetch('/api/v1/user')).json();
    const headers = csrf && user.csrf_token ? {'X-CSRF-Token': user.csrf_token} : {};
    return (await fetch(target, {method, headers})).status;
  }, [method, target, csrf]);
}

const executionOf = async (workflowId) =>
  (await installation.api('GET', `/api/v1/workflows/${workflowId}`)).pipelines[0].stages[0].executions[0].id;

step('signing in offers GitHub beside the token form', async () => {
  const page = await browser.newPage({viewport: {width: 1280, height: 800}});
  await page.goto(`${installation.origin}/sign-in`);
  await page.getByRole('link', {name: 'Sign in with GitHub'}).waitFor();
  await page.getByLabel('API token').waitFor();
  await screenshot(page, 'sign-in-github');
  await page.close();
});

step('the admin named with --admin signs in with GitHub and grants roles on the edit page', async () => {
  const page = await signInAs('ada');
  await page.getByRole('link', {name: 'New project'}).first().waitFor();
  await page.getByRole('link', {name: 'Audit'}).waitFor();
  await page.getByRole('link', {name: 'Edit acme/rocket'}).click();
  const members = page.getByRole('region', {name: 'Members'});
  for (const [login, role] of [['rita', 'read'], ['walt', 'write']]) {
    await members.getByLabel('GitHub login').fill(login);
    await members.getByLabel('Role').selectOption(role);
    await members.getByRole('button', {name: 'Add member'}).click();
    await members.getByRole('cell', {name: login, exact: true}).waitFor();
  }
  const secrets = page.getByRole('region', {name: 'Secrets'});
  await secrets.getByLabel('Secret name').fill('DEPLOY_TOKEN');
  await secrets.getByLabel('Secret value').fill('hunter2-deploy');
  await secrets.getByLabel('tag').check();
  await secrets.getByLabel('Pipelines').fill('deploy');
  await secrets.getByRole('button', {name: 'Set secret'}).click();
  const row = secrets.getByRole('row', {name: /DEPLOY_TOKEN/});
  await row.waitFor();
  assert.match(await row.textContent(), /tag.*deploy/);
  assert.equal(await page.getByText('hunter2-deploy').count(), 0);  // never shown back
  await screenshot(page, 'project-settings');
  const granted = await installation.api('GET', `/api/v1/projects/${project.id}/members`);
  assert.deepEqual(granted.items.map(({login, role}) => `${login}:${role}`).sort(), ['rita:read', 'walt:write']);
});

step('a reader sees the workflows and logs, no buttons of a writer, and the API refuses them 403', async () => {
  running = await installation.push('long', secret);
  const page = await signInAs('rita');
  assert.equal(await page.getByRole('link', {name: 'New project'}).count(), 0);
  await page.getByRole('link', {name: 'acme/rocket', exact: true}).click();
  await page.locator(`a[href="/workflows/${finished}"]`).first().waitFor();
  assert.equal(await page.getByRole('link', {name: 'Edit'}).count(), 0);
  assert.equal(await page.getByRole('button', {name: 'Run workflow'}).count(), 0);
  await page.goto(`${installation.origin}/workflows/${running}`);
  await page.locator('.executions .status-running').waitFor();
  assert.equal(await page.getByRole('button', {name: 'Cancel'}).count(), 0);
  assert.equal(await page.getByRole('button', {name: 'Re-run'}).count(), 0);
  await screenshot(page, 'workflow-reader');
  await page.goto(`${installation.origin}/workflows/${finished}`);
  await page.getByRole('link', {name: /make/}).click();
  await page.getByRole('region', {name: 'Log lines'}).getByText('built the rocket').waitFor();
  assert.equal(await fetchAs(page, 'POST', `/api/v1/workflows/${running}/cancel`), 403);
  assert.equal(await fetchAs(page, 'POST', `/api/v1/workflows/${running}/rerun`), 403);
  assert.equal(await fetchAs(page, 'GET', `/api/v1/projects/${project.id}/secrets`), 403);
  assert.equal(await installation.workflowStatus(running), 'running');
});

step('a cookie without the CSRF token changes nothing', async () => {
  const page = await signInAs('walt');
  assert.equal(await fetchAs(page, 'POST', `/api/v1/workflows/${running}/cancel`, {csrf: false}), 403);
  assert.equal(await installation.workflowStatus(running), 'running');
});

step('a writer cancels and re-runs, and the workflow says who did', async () => {
  const page = pages.walt;
  await page.goto(`${installation.origin}/workflows/${running}`);
  await page.locator('.executions .status-running').waitFor();
  await page.getByRole('button', {name: 'Cancel'}).click();
  await page.locator('.heading .status-cancelled').waitFor({timeout: 30_000});
  await page.locator('dl.facts').getByText('walt').waitFor();
  assert.match(await page.locator('dl.facts').textContent(), /Cancelled by\s*walt/);
  await page.getByRole('button', {name: 'Re-run', exact: true}).click();
  await page.waitForURL((url) => url.pathname.startsWith('/workflows/') && !url.pathname.endsWith(running));
  const rerun = new URL(page.url()).pathname.split('/')[2];
  await page.locator('.executions .status-running').waitFor();
  await page.getByRole('link', {name: 'an earlier workflow'}).waitFor();
  assert.match(await page.locator('dl.facts').textContent(), /Triggered by\s*walt/);
  await screenshot(page, 'workflow-actors');
  await page.getByRole('button', {name: 'Cancel'}).click();
  await page.locator('.heading .status-cancelled').waitFor({timeout: 30_000});
  await page.goto(`${installation.origin}/projects/${project.id}`);
  const row = page.locator('table.workflows tbody tr').filter({has: page.locator(`a[href="/workflows/${rerun}"]`)});
  assert.equal(await row.locator('td').last().textContent(), 'walt');
});

step('a fork\'s pull request waits: a reader may not approve it, a writer does', async () => {
  forkPullRequest = await installation.pullRequest('feature', secret, {fork: 'stranger/rocket', author: 'stranger'});
  const reader = pages.rita;
  await reader.goto(`${installation.origin}/workflows/${forkPullRequest}`);
  const panel = reader.getByRole('region', {name: 'Waiting for approval'});
  await panel.waitFor();
  const approvers = await panel.locator('p', {hasText: 'May approve:'}).textContent();
  assert.match(approvers, /^May approve: users with write access to acme\/rocket.* \((ada, walt|walt, ada)\)$/);
  assert.equal(await reader.getByRole('button', {name: 'Approve'}).count(), 0);
  assert.equal(await fetchAs(reader, 'POST', `/api/v1/workflows/${forkPullRequest}/approve`), 403);

  const writer = pages.walt;
  await writer.goto(`${installation.origin}/workflows/${forkPullRequest}`);
  await writer.locator('.heading .status-waiting_for_approval').waitFor();
  await screenshot(writer, 'workflow-approval');
  await writer.getByRole('button', {name: 'Approve'}).click();
  await writer.locator('.heading .status-success').waitFor({timeout: 30_000});
  assert.match(await writer.locator('dl.facts').textContent(), /Approved by\s*walt/);
  assert.equal(await writer.getByRole('region', {name: 'Waiting for approval'}).count(), 0);
});

step('someone without access gets "Not found" for the project\'s pages and API', async () => {
  // Set before she signs in: the server caches what GitHub said for a minute.
  await github.setPermission('acme/gadget', 'olga', 'write');
  const page = await signInAs('olga');
  assert.equal(await page.getByRole('link', {name: 'acme/rocket', exact: true}).count(), 0);
  const execution = await executionOf(finished);
  for (const target of [`/projects/${project.id}`, `/projects/${project.id}/edit`, `/workflows/${finished}`,
                        `/executions/${execution}`]) {
    await page.goto(installation.origin + target);
    await page.getByRole('heading', {name: 'Not found'}).waitFor();
    assert.equal(await page.getByText('acme/rocket').count(), 0, target);
  }
  await screenshot(page, 'not-found');
  for (const target of [`/api/v1/projects/${project.id}`, `/api/v1/workflows/${finished}`,
                        `/api/v1/executions/${execution}/log`])
    assert.equal(await fetchAs(page, 'GET', target), 404, target);
  assert.equal(await fetchAs(page, 'POST', `/api/v1/workflows/${finished}/rerun`), 404);
});

step('a role comes from the permission on the GitHub repository', async () => {
  const page = pages.olga;
  await page.goto(`${installation.origin}/projects/${gadget.id}`);
  await page.getByRole('heading', {name: 'acme/gadget'}).waitFor();
  assert.match(await page.locator('main').textContent(), /your role: write/);
  await page.getByRole('button', {name: 'Run workflow'}).waitFor();
  assert.equal(await page.getByRole('link', {name: 'Edit'}).count(), 0);
});

step('a person makes a personal API token, sees it once, and revokes it', async () => {
  const page = pages.walt;
  await page.getByRole('link', {name: 'Tokens'}).click();
  await page.getByRole('heading', {name: 'API tokens'}).waitFor();
  await page.getByLabel('Name').fill('release script');
  await page.getByLabel('Access').selectOption('read');
  await page.getByLabel('Project').selectOption({label: 'acme/rocket'});
  await page.getByLabel('Expires after (days)').fill('7');
  await page.getByRole('button', {name: 'Create token'}).click();
  const token = await page.locator('#token-secret').textContent();
  await page.getByText('it is not shown again').waitFor();
  const row = page.getByRole('row', {name: /release script/});
  assert.match(await row.textContent(), /read.*acme\/rocket.*never/);
  await screenshot(page, 'tokens');
  const as = (method, target) => fetch(installation.origin + target, {method, headers: {Authorization: `Bearer ${token}`}});
  assert.equal((await as('GET', `/api/v1/projects/${project.id}`)).status, 200);
  assert.equal((await as('GET', `/api/v1/projects/${gadget.id}`)).status, 404);  // a one-project token
  assert.equal((await as('POST', `/api/v1/workflows/${finished}/rerun`)).status, 403);  // read access
  await page.reload();
  assert.equal(await page.locator('#token-secret').count(), 0);
  await page.getByRole('button', {name: 'Revoke release script'}).click();
  await page.getByText('No tokens yet.').waitFor();
  assert.equal((await as('GET', `/api/v1/projects/${project.id}`)).status, 401);
});

step('a server admin reads the audit log, filtered by action', async () => {
  const page = pages.ada;
  await page.getByRole('link', {name: 'Audit'}).click();
  await page.getByRole('heading', {name: 'Audit log'}).waitFor();
  const table = page.locator('table.audit');
  for (const action of ['member.set', 'secret.set', 'workflow.cancel', 'workflow.rerun', 'workflow.approve',
                        'token.create', 'token.revoke', 'user.sign_in'])
    await table.getByText(action, {exact: true}).first().waitFor();
  await screenshot(page, 'audit');
  await page.getByLabel('Action').selectOption('workflow.cancel');
  await page.getByRole('button', {name: 'Filter'}).click();
  await page.waitForURL(/action=workflow.cancel/);
  const rows = table.locator('tbody tr');
  await waitFor(async () => (await rows.count()) === 2, 'the two cancellations');
  for (const text of await rows.allTextContents()) assert.match(text, /walt.*workflow\.cancel.*acme\/rocket/);
  assert.equal(await pages.walt.evaluate(async () => (await fetch('/api/v1/audit')).status), 403);
});

step('a public project is readable signed out', async () => {
  const admin = pages.ada;
  await admin.goto(`${installation.origin}/projects/${project.id}/edit`);
  await admin.getByLabel('Public').check();
  await admin.getByRole('button', {name: 'Save'}).click();
  await admin.getByRole('heading', {name: 'acme/rocket'}).waitFor();
  await admin.getByText('public', {exact: true}).waitFor();

  const page = await browser.newPage({viewport: {width: 1280, height: 800}});
  pages.anonymous = page;
  await page.goto(installation.origin + '/');
  await page.getByRole('link', {name: 'acme/rocket', exact: true}).click();
  await page.locator(`a[href="/workflows/${finished}"]`).first().click();
  await page.locator('.heading .status-success').waitFor();
  assert.equal(await page.getByRole('button', {name: 'Re-run'}).count(), 0);
  await page.getByRole('link', {name: /make/}).click();
  await page.getByRole('region', {name: 'Log lines'}).getByText('built the rocket').waitFor();
  await page.getByRole('link', {name: 'Sign in', exact: true}).waitFor();
  assert.equal((await fetch(`${installation.origin}/api/v1/workflows/${finished}/rerun`, {method: 'POST'})).status, 401);
  await page.goto(`${installation.origin}/projects/${gadget.id}`);  // not public: sign in first
  await page.getByRole('link', {name: 'Sign in with GitHub'}).waitFor();
});

step('signing out ends the session: the old cookie is refused', async () => {
  const page = pages.rita;
  const cookie = (await page.context().cookies()).find((c) => c.name === 'factory_session');
  assert.ok(cookie, 'a session cookie');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Lax');
  const withCookie = () => fetch(`${installation.origin}/api/v1/user`, {headers: {Cookie: `factory_session=${cookie.value}`}});
  assert.equal((await withCookie()).status, 200);
  await page.getByRole('button', {name: 'Sign out'}).click();
  await page.getByRole('link', {name: 'Sign in', exact: true}).waitFor();
  assert.equal((await withCookie()).status, 401);
  await page.goto(`${installation.origin}/projects/${gadget.id}`);
  await page.getByLabel('API token').waitFor();
});
