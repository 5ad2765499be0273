// Artifacts and caches in headless Chromium against a real server and its
// local agent: a push runs an execution that writes three files under dist/
// (kept as artifacts) and saves a cache; the workflow page, open while it
// runs, shows the artifacts once it has ended, with their sizes, and then
// stops asking for them; one is downloaded with a pasted token (fetched,
// saved through a blob URL) and one with a GitHub session's cookie (a plain
// link the browser follows), the archive of all of them too, each byte for
// byte what the build wrote; a second branch saves a second cache entry; the
// project's edit page lists both with the project's limit, a signed-out
// reader of the public project sees them without buttons, and the admin
// deletes one, then all (the API confirms each).
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import {before} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import {GitHubStandin, Installation, launchBrowser, recordRequests, requireChromium, screenshot, screenshotOf, signIn,
        signInWithGitHub, testSteps, waitFor} from './harness.mjs';

requireChromium();

const installation = new Installation();
const github = new GitHubStandin();
const pages = {};
const requests = {};  // who → the URLs their page asked for
let browser, project, workflowId;

// Waits for the test's go-ahead (a file in its workspace), so that the page
// is open before anything is uploaded; then writes dist/ (one file of random
// bytes, whose SHA-256 it prints), a file that is no artifact, and deps/,
// the cache, keyed by the digest of deps.lock.
const configuration = `
pipeline "build" {
  stage "compile" {
    exec "bundle" {
      run = <<-EOT
        while [ ! -f gate ]; do sleep 0.05; done
        mkdir -p dist/docs deps
        head -c 1500000 /dev/urandom > dist/app.bin
        seq 1 1000 > dist/notes.txt
        printf 'read me, ok\\n' > dist/docs/readme.txt
        echo "not an artifact" > build.log
        head -c 300000 /dev/zero > deps/modules
        sha256sum dist/app.bin
      EOT
      artifacts = ["dist/**"]
      cache "deps" {
        key   = "deps-\${hashfiles("deps.lock")}"
        paths = ["deps"]
      }
    }
  }
}
`;
const notes = `${Array.from({length: 1000}, (_, i) => i + 1).join('\n')}\n`;
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
// hashfiles("deps.lock"), as docs/configuration.md defines it.
const depsKey = (lock) => `deps-${sha256(`deps.lock\0${sha256(lock)}\n`)}`;
const locks = {main: 'left-pad 1.3.0\n', other: 'left-pad 1.3.1\n'};

before(async () => {
  project = await installation.startWithGitHub(github, {
    main: {'.factory/ci.hcl': configuration, 'deps.lock': locks.main},
    other: {'.factory/ci.hcl': configuration, 'deps.lock': locks.other},
  }, ['ada']);
  browser = await launchBrowser();
});

const step = testSteps(installation, pages, () => browser?.close());

const artifactRow = (page, path) =>
  page.getByRole('region', {name: 'Artifacts'}).getByRole('row').filter({has: page.getByText(path, {exact: true})});
const artifactRequests = () =>
  requests.token.filter((url) => url.endsWith(`/workflows/${workflowId}/artifacts`)).length;

// A page of its own for `who`, whose requests are recorded.
function watched(who, page) {
  pages[who] = page;
  requests[who] = recordRequests(page);
  return page;
}

// Runs a push of `branch` to success, opening its gate once it runs.
async function runToSuccess(branch) {
  const id = await installation.push(branch, project.webhook_secret);
  await waitFor(async () => {
    const {pipelines} = await installation.api('GET', `/api/v1/workflows/${id}`);
    return pipelines[0]?.stages[0].executions[0].status === 'running';
  }, `${branch}'s execution to run`);
  installation.openGate(id, 'gate');
  await waitFor(async () => (await installation.workflowStatus(id)) === 'success', `${branch}'s workflow to succeed`);
  return id;
}

step('the workflow page lists the artifacts once the execution has ended, with their sizes', async () => {
  const page = watched('token', await browser.newPage({viewport: {width: 1280, height: 800}, acceptDownloads: true}));
  await signIn(page, installation);
  workflowId = await installation.push('main', project.webhook_secret);
  await page.goto(`${installation.origin}/workflows/${workflowId}`);
  const bundle = page.getByRole('region', {name: 'Pipeline build'}).getByRole('link', {name: /bundle/});
  await bundle.locator('.status-running').waitFor({timeout: 30_000});
  assert.equal(await page.getByRole('region', {name: 'Artifacts'}).count(), 0);  // none while it runs
  installation.openGate(workflowId, 'gate');

  const artifacts = page.getByRole('region', {name: 'Artifacts'});
  await artifacts.waitFor({timeout: 30_000});
  await page.locator('.heading .status-success').waitFor({timeout: 30_000});
  const expected = [['dist/app.bin', '1.5 MB', 1_500_000], ['dist/docs/readme.txt', '12 bytes', 12],
                    ['dist/notes.txt', '3.9 kB', notes.length]];
  for (const [path, shown, bytes] of expected) {
    const row = artifactRow(page, path);
    assert.equal(await row.locator('td').nth(0).textContent(), 'build/compile/bundle');
    const size = row.locator('td').nth(2).locator('span');
    assert.equal(await size.textContent(), shown, path);
    assert.equal(await size.getAttribute('title'), `${bytes.toLocaleString('en')} bytes`);
    assert.match(await row.locator('td').nth(3).textContent(), /\d{4}/);  // its expiry
  }
  assert.equal(await artifacts.getByRole('row').count(), expected.length + 1);  // build.log is none
  await artifacts.getByText('3 files, 1.5 MB').waitFor();
  assert.equal(await artifactRow(page, 'dist/app.bin').getByRole('link', {name: 'build/compile/bundle', exact: true})
                       .getAttribute('href'),
               `/executions/${(await installation.api('GET', `/api/v1/workflows/${workflowId}/artifacts`))
                 .items[0].execution_id}?workflow=${workflowId}`);
  await screenshot(page, 'workflow-artifacts');

  // The workflow has ended: its artifacts do not change, and are not asked for again.
  const asked = artifactRequests();
  await sleep(3000);
  assert.equal(artifactRequests(), asked);
});

step('with a pasted token, an artifact and the archive download through blob URLs, byte for byte', async () => {
  const page = pages.token;
  const log = await installation.api('GET', `/api/v1/executions/${
    (await installation.api('GET', `/api/v1/workflows/${workflowId}/artifacts`)).items[0].execution_id}/log`);
  const written = log.lines.map((line) => line.text).find((text) => text.endsWith('  dist/app.bin')).slice(0, 64);

  const download = page.waitForEvent('download');
  await page.getByRole('link', {name: 'Download dist/app.bin of build/compile/bundle'}).click();
  const app = await download;
  assert.match(app.url(), /^blob:/);  // the token went in a header, not in a URL
  assert.equal(app.suggestedFilename(), 'app.bin');
  const bytes = fs.readFileSync(await app.path());
  assert.equal(bytes.length, 1_500_000);
  assert.equal(sha256(bytes), written);

  const archiveDownload = page.waitForEvent('download');
  await page.getByRole('region', {name: 'Artifacts'}).getByRole('link', {name: 'Download all'}).click();
  const archive = await archiveDownload;
  assert.equal(archive.suggestedFilename(), `artifacts-${workflowId}.tar`);
  const members = readTar(fs.readFileSync(await archive.path()));
  assert.deepEqual([...members.keys()].sort(), ['build/compile/bundle/dist/app.bin',
                                               'build/compile/bundle/dist/docs/readme.txt',
                                               'build/compile/bundle/dist/notes.txt']);
  assert.equal(sha256(members.get('build/compile/bundle/dist/app.bin')), written);
  assert.equal(members.get('build/compile/bundle/dist/notes.txt').toString(), notes);
  assert.equal(members.get('build/compile/bundle/dist/docs/readme.txt').toString(), 'read me, ok\n');
});

step('signed in with GitHub, an artifact downloads through the plain link, with the session\'s cookie', async () => {
  const page = await signInWithGitHub({browser, github, installation, pages}, 'ada');
  requests.ada = recordRequests(page);
  await page.goto(`${installation.origin}/workflows/${workflowId}`);
  const link = page.getByRole('link', {name: 'Download dist/notes.txt of build/compile/bundle'});
  const download = page.waitForEvent('download');
  await link.click();
  const notesFile = await download;
  assert.equal(notesFile.url(), installation.origin + await link.getAttribute('href'));
  assert.equal(notesFile.suggestedFilename(), 'notes.txt');
  assert.equal(fs.readFileSync(await notesFile.path(), 'utf8'), notes);
});

step('the project\'s edit page lists its cache entries against its limit', async () => {
  await runToSuccess('other');
  const page = pages.token;
  await page.goto(`${installation.origin}/projects/${project.id}/edit`);
  const caches = page.getByRole('region', {name: 'Caches'});
  const {items, total_size: total} = await installation.api('GET', `/api/v1/projects/${project.id}/caches`);
  assert.deepEqual(items.map(({scope, key, name}) => [scope, key, name]),
                   [['main', depsKey(locks.main), 'deps'], ['other', depsKey(locks.other), 'deps']]);
  for (const entry of items) {
    const row = caches.getByRole('row').filter({has: page.getByText(entry.key, {exact: true})});
    await row.waitFor();
    assert.deepEqual(await row.locator('td').evaluateAll((cells) => cells.slice(1, 3).map((cell) => cell.textContent)),
                     ['deps', entry.scope]);
    assert.equal(await row.locator('td').nth(3).locator('span').getAttribute('title'),
                 `${entry.size.toLocaleString('en')} bytes`);
    assert.match(await row.locator('td').nth(4).textContent(), /\d{4}/);  // last used
  }
  await caches.getByText(/^2 entries, .* of the project's limit of 10\.7 GB; beyond it the least recently used/)
              .waitFor();
  assert.equal(await caches.locator('.hint span').first().getAttribute('title'), `${total.toLocaleString('en')} bytes`);
  await screenshotOf(caches, 'project-caches');
});

step('a signed-out reader of the public project sees the cache entries, without buttons', async () => {
  await installation.api('PUT', `/api/v1/projects/${project.id}`, {public: true});
  const page = watched('reader', await (await browser.newContext({viewport: {width: 1280, height: 800}})).newPage());
  await page.goto(`${installation.origin}/projects/${project.id}`);
  await page.getByRole('link', {name: 'Caches'}).click();
  const caches = page.getByRole('region', {name: 'Caches'});
  await caches.getByText(depsKey(locks.other)).waitFor();
  assert.equal(await caches.getByRole('row').count(), 3);
  assert.equal(await caches.getByRole('button').count(), 0);
  await page.getByText('Only the project\'s admins change its settings.').waitFor();
  await page.goto(`${installation.origin}/workflows/${workflowId}`);
  await artifactRow(page, 'dist/app.bin').waitFor();
});

step('deleting one cache entry, then all, removes them', async () => {
  const page = pages.token;
  const caches = page.getByRole('region', {name: 'Caches'});
  await caches.getByRole('button', {name: `Delete cache entry ${depsKey(locks.other)} of other`}).click();
  await caches.getByText(depsKey(locks.other)).waitFor({state: 'detached'});
  const left = await installation.api('GET', `/api/v1/projects/${project.id}/caches`);
  assert.deepEqual(left.items.map(({key}) => key), [depsKey(locks.main)]);
  await caches.getByText(/^1 entry, /).waitFor();

  await caches.getByRole('button', {name: 'Delete all'}).click();
  await caches.getByText('No cache entries').waitFor();
  assert.equal(await caches.getByRole('button', {name: 'Delete all'}).isHidden(), true);
  assert.deepEqual((await installation.api('GET', `/api/v1/projects/${project.id}/caches`)).items, []);
  const audit = await installation.api('GET', `/api/v1/audit?project_id=${project.id}`);
  assert.deepEqual(audit.items.filter(({action}) => action.startsWith('cache.')).map(({action}) => action),
                   ['cache.delete_all', 'cache.delete']);
});

step('no request left the server\'s origin but for the avatar', () => {
  for (const [who, urls] of Object.entries(requests)) {
    // The signed-in person's avatar is the one exception (docs/webui.md), which the stand-in puts elsewhere.
    const elsewhere = urls.filter((url) => !url.startsWith(installation.origin + '/') &&
                                           !url.startsWith(`blob:${installation.origin}/`) &&
                                           !url.startsWith('https://avatars.example.com/'));
    assert.deepEqual(elsewhere, [], who);
  }
});

// The members of an uncompressed ustar archive, name → bytes (the server
// writes pax headers only for long names and huge files, which these are not).
function readTar(archive) {
  const members = new Map();
  for (let offset = 0; offset + 512 <= archive.length;) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const text = (from, length) => header.subarray(from, from + length).toString().replace(/\0.*$/s, '');
    const size = parseInt(text(124, 12), 8);
    const prefix = text(345, 155);
    if (text(156, 1) === '0') members.set((prefix ? `${prefix}/` : '') + text(0, 100),
                                          archive.subarray(offset + 512, offset + 512 + size));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return members;
}
