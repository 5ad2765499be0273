// The web UI's main walk in headless Chromium against a real server: sign
// in, create a project, a signed webhook's workflow appearing and going from
// running to success without a reload, a log arriving live with its colours,
// cancelling a long run and re-running it, re-running only what failed and
// then one execution, with both attempts shown, a configuration's diagnostics,
// editing and deleting a project; no request leaving the server's origin.
// A screenshot of each page goes to the test artifacts.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {Installation, launchBrowser, recordRequests, requireChromium, screenshot, waitFor} from './harness.mjs';

requireChromium();

const installation = new Installation();
let browser, page, requests, secret, projectId;
let failed = false;

// main: a build that waits twice for the test's go-ahead (a file appearing),
// a test pipeline after it and docs beside it (its pdf only for releases); long: a run that only ends
// when cancelled; broken: a configuration with a mistake.
function branches() {
  return {
    main: {'.factory/ci.hcl': `
pipeline "build" {
  stage "compile" {
    exec "make" {
      run = <<-EOT
        printf '\\033[32mcompiling\\033[0m rocket\\n'
        echo "waiting for the go-ahead"
        while [ ! -f gate-first ]; do sleep 0.05; done
        for i in 1 2 3 4 5; do echo "step $i"; done
        while [ ! -f gate-second ]; do sleep 0.05; done
        echo built
      EOT
    }
  }
}
pipeline "test" {
  depends_on = ["build"]
  stage "unit" {
    exec "unit" {
      run = "echo tests pass"
    }
  }
}
pipeline "docs" {
  stage "render" {
    exec "html" {
      run = "echo rendered"
    }
    exec "pdf" {
      run  = "echo printed"
      when = event.branch == "release"
    }
  }
}
`},
    flaky: {'.factory/ci.hcl': `
pipeline "check" {
  stage "first" {
    exec "one" {
      run = "echo one"
    }
    exec "two" {
      run = "echo two; exit 1"
    }
    exec "three" {
      run = "echo three"
    }
  }
  stage "then" {
    exec "four" {
      run = "echo four"
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
    broken: {'.factory/ci.hcl': `
pipeline "build" {
  stage "compile" {
    exec "make" {
      rn = "make"
    }
  }
}
`},
  };
}

before(async () => {
  installation.createRepository(branches());
  await installation.startGitDaemon();
  await installation.startServer();
  browser = await launchBrowser();
  page = await browser.newPage({viewport: {width: 1280, height: 800}});
  requests = recordRequests(page);
});

after(async () => {
  await browser?.close();
  await installation.stop({failed});
});

// Runs a step, remembering a failure so that the server's log is printed.
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

step('signing in with the admin token', async () => {
  await page.goto(installation.origin + '/');
  await page.getByRole('link', {name: 'Sign in'}).click();
  await page.getByLabel('API token').fill('not-a-token');
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByText('The server does not accept this token.').waitFor();
  await screenshot(page, 'sign-in');
  await page.getByLabel('API token').fill(installation.adminToken);
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByRole('heading', {name: 'Projects'}).waitFor();
  // Set once: still there later means the page never reloaded.
  await page.evaluate(() => { window.sameDocument = true; });
});

step('creating a project shows its webhook settings once', async () => {
  await page.getByRole('link', {name: 'New project'}).first().click();
  await page.getByLabel('Owner').fill('acme');
  await page.getByLabel('Name', {exact: true}).fill('rocket');
  await page.getByLabel('Repository URL').fill(installation.cloneUrl());
  await page.getByRole('button', {name: 'Create project'}).click();
  await page.getByRole('heading', {name: 'Created acme/rocket'}).waitFor();
  assert.equal(await page.locator('#webhook-url').textContent(), `${installation.origin}/hooks/github`);
  secret = await page.locator('#webhook-secret').textContent();
  assert.match(secret, /^[0-9a-f]{64}$/);
  await screenshot(page, 'project-created');
  await page.getByRole('link', {name: 'Go to the project'}).click();
  await page.getByRole('heading', {name: 'acme/rocket'}).waitFor();
  projectId = new URL(page.url()).pathname.split('/')[2];
});

let workflowId;

step('a signed webhook\'s workflow appears and runs, without a reload', async () => {
  workflowId = await installation.push('main', secret);
  const row = page.locator('table.workflows tbody tr').first();
  await row.getByText('running').waitFor();
  assert.equal(await row.locator('td').nth(2).textContent(), 'main');
  assert.equal(await row.locator('code').textContent(), installation.shas.main.slice(0, 7));
  await screenshot(page, 'project-workflows');
});

step('a log shows its lines as they arrive, colours rendered', async () => {
  await page.locator(`a[href="/workflows/${workflowId}"]`).first().click();
  // The graph: build and docs first, test after build.
  const columns = page.locator('.graph .column');
  await columns.nth(1).getByRole('region', {name: 'Pipeline test'}).waitFor();
  assert.equal(await columns.count(), 2);
  assert.equal(await columns.nth(0).getByRole('region', {name: /^Pipeline (build|docs)$/}).count(), 2);
  assert.equal(await columns.nth(1).getByText('after build').count(), 1);
  await screenshot(page, 'workflow-running');
  await page.getByRole('link', {name: /make/}).click();
  const log = page.getByRole('region', {name: 'Log lines'});
  await log.getByText('waiting for the go-ahead').waitFor();
  assert.equal(await log.locator('.ansi-fg-2').first().textContent(), 'compiling');
  assert.equal(await log.getByText('step 1').count(), 0);
  installation.openGate(workflowId, 'gate-first');
  await log.getByText('step 5').waitFor();
  assert.equal(await log.locator('#L7 .number').getAttribute('href'), '#L7');
  await screenshot(page, 'log-live');
});

step('the workflow goes from running to success on the open page', async () => {
  await page.getByRole('link', {name: 'Back to the workflow'}).click();
  await page.locator('.crumbs a').click();
  const row = page.locator('table.workflows tbody tr').first();
  await row.getByText('running').waitFor();
  installation.openGate(workflowId, 'gate-second');
  await row.getByText('success').waitFor({timeout: 30_000});
  assert.equal(await page.evaluate(() => window.sameDocument), true);
  await page.locator(`a[href="/workflows/${workflowId}"]`).first().click();
  await page.locator('.heading .status-success').waitFor();
  assert.equal(await page.getByRole('region', {name: 'Pipeline test'}).locator('.status-success').count(), 3);
  // An execution whose condition is false shows skipped, with the condition.
  const docs = page.getByRole('region', {name: 'Pipeline docs'});
  await docs.getByText('when: event.branch == "release" is false').waitFor();
  assert.equal(await docs.locator('.executions .status-skipped').count(), 1);
  await screenshot(page, 'workflow-success');
});

step('a long run is cancelled, then re-run', async () => {
  const id = await installation.push('long', secret);
  await page.goto(`${installation.origin}/workflows/${id}`);
  await page.locator('.executions .status-running').waitFor();
  await page.getByRole('button', {name: 'Cancel'}).click();
  await page.locator('.heading .status-cancelled').waitFor({timeout: 30_000});
  assert.equal(await page.getByRole('button', {name: 'Cancel'}).isHidden(), true);
  await screenshot(page, 'workflow-cancelled');
  await page.getByRole('button', {name: 'Re-run', exact: true}).click();
  await page.waitForURL((url) => url.pathname.startsWith('/workflows/') && !url.pathname.endsWith(id));
  const rerun = new URL(page.url()).pathname.split('/')[2];
  await page.locator('.executions .status-running').waitFor();
  assert.equal(await installation.workflowStatus(rerun), 'running');
  await page.getByRole('button', {name: 'Cancel'}).click();
  await page.locator('.heading .status-cancelled').waitFor({timeout: 30_000});
});

// Kept executions say so and link to the earlier log; the one that ran
// again and the later stage link to their earlier attempts, with their status.
step('re-running what failed keeps the rest, then one execution runs again', async () => {
  const id = await installation.push('flaky', secret);
  await page.goto(`${installation.origin}/workflows/${id}`);
  await page.locator('.heading .status-failure').waitFor({timeout: 30_000});
  const execution = (name) => page.locator('ul.executions li').filter({hasText: name});
  await page.getByRole('button', {name: 'Re-run failed'}).click();
  await page.waitForURL((url) => url.pathname.startsWith('/workflows/') && !url.pathname.endsWith(id));
  const rerun = new URL(page.url()).pathname.split('/')[2];
  await page.locator('.heading .status-failure').waitFor({timeout: 30_000});
  await page.getByText('Re-run of').waitFor();
  await page.getByText('an earlier workflow, its failed executions').waitFor();
  const earlier = await installation.api('GET', `/api/v1/workflows/${id}`);
  const earlierId = (name) => earlier.pipelines[0].stages.flatMap((stage) => stage.executions)
    .find((each) => each.name === name).id;
  for (const kept of ['one', 'three']) {
    const link = execution(kept).getByRole('link', {name: 'earlier log'});
    assert.equal(await link.getAttribute('href'), `/executions/${earlierId(kept)}?workflow=${id}`);
    assert.equal(await execution(kept).locator('.status-success').count(), 1);
  }
  const two = execution('two').locator('.attempt');
  assert.equal(await two.locator('.status-failure').count(), 1, 'the earlier attempt failed');
  assert.equal(await two.getByRole('link').getAttribute('href'), `/executions/${earlierId('two')}?workflow=${id}`);
  assert.equal(await execution('four').locator('.attempt .status-skipped').count(), 1);
  await screenshot(page, 'workflow-rerun-failed');

  await page.getByRole('button', {name: 'Re-run one'}).click();
  await page.waitForURL((url) => url.pathname.startsWith('/workflows/') && !url.pathname.endsWith(rerun));
  const single = new URL(page.url()).pathname.split('/')[2];
  await page.locator('.heading .status-failure').waitFor({timeout: 30_000});
  const view = await installation.api('GET', `/api/v1/workflows/${single}`);
  assert.equal(view.rerun.selection, 'execution');
  assert.equal(await execution('one').locator('.attempt').count(), 1, 'one ran again');
  assert.equal(await execution('two').getByRole('link', {name: 'earlier log'}).count(), 1, 'two kept its failure');
});

step('an invalid configuration shows its diagnostics', async () => {
  const id = await installation.push('broken', secret);
  await page.goto(`${installation.origin}/workflows/${id}`);
  const diagnostics = page.getByLabel('Configuration diagnostics');
  await diagnostics.waitFor();
  assert.match(await diagnostics.textContent(), /rn/);
  await screenshot(page, 'workflow-diagnostics');
});

step('the project page charts the durations', async () => {
  await page.goto(`${installation.origin}/projects/${projectId}`);
  await page.locator('svg.bars rect').first().waitFor();
  assert.ok(await page.locator('svg.bars rect.status-success').count() >= 1);
  await screenshot(page, 'project-chart');
});

step('a project is edited, then deleted after a confirmation', async () => {
  await page.getByRole('link', {name: 'New project'}).first().click();
  await page.getByLabel('Owner').fill('acme');
  await page.getByLabel('Name', {exact: true}).fill('scratch');
  await page.getByLabel('Repository URL').fill('https://github.example/acme/scratch.git');
  await page.getByRole('button', {name: 'Create project'}).click();
  await page.getByRole('link', {name: 'Go to the project'}).click();
  await page.getByRole('link', {name: 'Edit'}).click();
  await page.getByLabel('Name', {exact: true}).fill('sandbox');
  await screenshot(page, 'project-edit');
  await page.getByRole('button', {name: 'Save'}).click();
  await page.getByRole('heading', {name: 'acme/sandbox'}).waitFor();

  await page.getByRole('link', {name: 'Projects'}).click();
  await page.getByRole('button', {name: 'Delete acme/sandbox'}).click();
  await screenshot(page, 'project-delete');
  await page.getByRole('dialog').getByRole('button', {name: 'Cancel'}).click();
  await page.getByRole('link', {name: 'acme/sandbox', exact: true}).waitFor();
  await page.getByRole('button', {name: 'Delete acme/sandbox'}).click();
  await page.getByRole('dialog').getByRole('button', {name: 'Delete'}).click();
  await page.getByRole('link', {name: 'acme/sandbox', exact: true}).waitFor({state: 'detached'});
  await page.getByRole('link', {name: 'acme/rocket', exact: true}).waitFor();
  await screenshot(page, 'projects');
});

step('signing out forgets the token', async () => {
  await page.getByRole('button', {name: 'Sign out'}).click();
  await page.getByText('No public projects.').waitFor();
  await page.reload();
  await page.getByRole('link', {name: 'Sign in'}).waitFor();
  await page.goto(`${installation.origin}/projects/${projectId}`);
  await page.getByLabel('API token').waitFor();
});

step('no request left the server\'s origin', async () => {
  assert.ok(requests.length > 20);
  const elsewhere = requests.filter((url) => !url.startsWith(installation.origin + '/'));
  assert.deepEqual(elsewhere, []);
});
