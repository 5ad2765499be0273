// A FactoryCI installation of real processes on 127.0.0.1 for the browser
// tests, as tests/cli/ci_server.h makes one for the C++ tests: a git
// repository served by `git daemon`, `factory server` ($FACTORY_BINARY) on a
// throwaway data directory with the local agents it starts, webhooks signed
// as GitHub signs them, the GitHub stand-in ($FACTORY_GITHUB_STANDIN) for
// signing in, and headless Chromium (Debian's) driven by playwright-core.
// Screenshots go to $FACTORY_TEST_ARTIFACTS.
import {spawn, execFileSync} from 'node:child_process';
import {createHmac} from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';

export const chromiumPath = '/usr/bin/chromium';
const artifacts = process.env.FACTORY_TEST_ARTIFACTS ?? path.resolve('test-artifacts');

// Exits 77 (CTest: skipped) with the reason when there is no Chromium: the
// only thing these tests may lack and still not fail.
export function requireChromium() {
  if (fs.existsSync(chromiumPath)) return;
  console.log(`SKIPPED: ${chromiumPath} is missing; install Debian's chromium (scripts/setup.sh) to run the browser tests`);
  process.exit(77);
}

// Polls `check` until it returns something truthy; throws after `timeout` ms.
export async function waitFor(check, what, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// A loopback port nobody listens on now (git daemon cannot pick its own).
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const {port} = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const gitEnvironment = {...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1'};

export class Installation {
  constructor() {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'factory-webui-'));
    this.workTree = path.join(this.root, 'work');
    this.bare = path.join(this.root, 'git', 'acme', 'rocket.git');
    this.processes = [];
    this.deliveries = 0;
  }

  // --- The repository: one commit per branch, each with its own .factory/.

  git(...args) {
    return execFileSync('git', ['-C', this.workTree, '-c', 'user.name=Tests', '-c', 'user.email=tests@example.com', ...args],
                        {env: gitEnvironment, encoding: 'utf8'}).trim();
  }

  // `branches`: {name: {".factory/ci.hcl": text, …}}; the first is the default
  // branch. Returns each branch's commit.
  createRepository(branches) {
    fs.mkdirSync(this.workTree, {recursive: true});
    this.git('init', '-q', '-b', Object.keys(branches)[0]);
    this.shas = {};
    for (const [branch, files] of Object.entries(branches)) {
      if (Object.keys(this.shas).length) this.git('checkout', '-q', '-B', branch);
      fs.rmSync(path.join(this.workTree, '.factory'), {recursive: true, force: true});
      for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(this.workTree, name)), {recursive: true});
        fs.writeFileSync(path.join(this.workTree, name), text);
      }
      this.git('add', '-A');
      this.git('commit', '-q', '-m', branch);
      this.shas[branch] = this.git('rev-parse', 'HEAD');
    }
    execFileSync('git', ['clone', '-q', '--bare', '--mirror', this.workTree, this.bare], {env: gitEnvironment});
    execFileSync('git', ['-C', this.bare, 'config', 'uploadpack.allowFilter', 'true'], {env: gitEnvironment});
    return this.shas;
  }

  // --- The processes, each in a process group of its own.

  start(command, args, log) {
    const output = fs.openSync(path.join(this.root, log), 'a');
    const child = spawn(command, args, {detached: true, stdio: ['ignore', output, output], env: gitEnvironment});
    fs.closeSync(output);
    this.processes.push(child);
    return child;
  }

  async startGitDaemon() {
    for (let attempt = 0; attempt < 3; ++attempt) {
      this.gitPort = await freePort();
      const daemon = this.start('git', ['daemon', '--reuseaddr', `--base-path=${path.join(this.root, 'git')}`, '--export-all',
                                        '--listen=127.0.0.1', `--port=${this.gitPort}`, path.join(this.root, 'git')],
                                'git-daemon.log');
      try {
        await waitFor(() => {
          try {
            execFileSync('git', ['ls-remote', '-q', this.cloneUrl()], {env: gitEnvironment, stdio: 'ignore'});
            return true;
          } catch {
            return false;
          }
        }, 'git daemon', 5000);
        return;
      } catch {
        process.kill(-daemon.pid, 'SIGKILL');
      }
    }
    throw new Error('git daemon does not serve the repository');
  }

  cloneUrl() {
    return `git://127.0.0.1:${this.gitPort}/acme/rocket.git`;
  }

  // `options`: more of the server's command-line options; with `listenPort`,
  // it listens there (a port known beforehand, for --public-url).
  async startServer(options = [], listenPort = 0) {
    const binary = process.env.FACTORY_BINARY;
    if (!binary || !fs.existsSync(binary)) throw new Error(`FACTORY_BINARY (${binary}) is not the built factory binary`);
    const data = path.join(this.root, 'data');
    this.start(binary, ['server', '--data-dir', data, '--listen', `127.0.0.1:${listenPort}`, '--log-level', 'warn', ...options],
               'server.log');
    const announcement = 'listening on http://127.0.0.1:';
    const log = await waitFor(() => {
      const text = this.log('server.log');
      return text.includes(announcement) && text;
    }, 'factory server to listen', 20_000);
    const port = parseInt(log.slice(log.indexOf(announcement) + announcement.length), 10);
    this.origin = `http://127.0.0.1:${port}`;
    this.adminToken = fs.readFileSync(path.join(data, 'admin.token'), 'utf8').trim();
  }

  // The server, set up to sign people in through the GitHub stand-in
  // (started), which also answers for repository permissions; `admins` are
  // server admins (--admin).
  async startServerWithGitHub(github, admins) {
    await github.acceptPersonalToken('ghp_server');  // the server's, for repository permissions
    const clientSecret = path.join(this.root, 'client-secret');
    fs.writeFileSync(clientSecret, `${github.clientSecret}\n`, {mode: 0o600});
    const port = await freePort();
    await this.startServer([
      '--public-url', `http://127.0.0.1:${port}`, '--github-url', github.url, '--github-api-url', github.url,
      '--github-token', 'ghp_server', '--github-client-id', github.clientId, '--github-client-secret', clientSecret,
      ...admins.flatMap((login) => ['--admin', login])], port);
  }

  // A repository of `branches` (as createRepository takes them), git
  // daemon, the stand-in with acme/rocket, the server signing people in
  // there (`admins` are server admins) and the project acme/rocket, without
  // a hook on the stand-in: the project, with its webhook secret.
  async startWithGitHub(github, branches, admins) {
    this.createRepository(branches);
    await this.startGitDaemon();
    await github.start(this);
    await github.addRepository('acme/rocket');
    await this.startServerWithGitHub(github, admins);
    return this.api('POST', '/api/v1/projects', {owner: 'acme', name: 'rocket', url: this.cloneUrl(),
                                                 create_webhook: false});
  }

  log(name) {
    try {
      return fs.readFileSync(path.join(this.root, name), 'utf8');
    } catch {
      return '';
    }
  }

  // Stops every process (with what it started) and removes the directory;
  // on failure, prints the server's log first.
  async stop({failed = false} = {}) {
    if (failed) console.log(`----- server.log\n${this.log('server.log')}`);
    for (const child of this.processes.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        continue;
      }
      if (await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)])) continue;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    fs.rmSync(this.root, {recursive: true, force: true});
  }

  // A build that waits for a gate (a file appearing in its workspace, the one
  // folder its sandbox shows it) goes on: `name` is written into the
  // workspace of each execution of the workflow (execution-P-S-E, beside the
  // workflow's checkout).
  openGate(workflowId, name) {
    const work = path.join(this.root, 'data.work');
    for (const agent of fs.readdirSync(work)) {
      const workflow = path.join(work, agent, `workflow-${workflowId}`);
      if (!fs.existsSync(workflow)) continue;
      for (const entry of fs.readdirSync(workflow))
        if (entry.startsWith('execution-')) fs.writeFileSync(path.join(workflow, entry, name), '');
      return;
    }
    throw new Error(`no workspace for workflow ${workflowId}`);
  }

  // --- The API, as the admin, and webhooks, as GitHub sends them.

  async api(method, target, body) {
    const response = await fetch(this.origin + target, {
      method,
      headers: {Authorization: `Bearer ${this.adminToken}`, 'Content-Type': 'application/json'},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${target}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? null : response.json();
  }

  repository() {
    return {full_name: 'acme/rocket', name: 'rocket', owner: {login: 'acme'}, clone_url: this.cloneUrl(),
            html_url: 'https://github.example/acme/rocket', ssh_url: 'git@github.example:acme/rocket.git'};
  }

  // Sends a push of `branch` signed with `secret`; the queued workflow's id.
  push(branch, secret) {
    const sha = this.shas[branch];
    return this.deliver('push', secret, {
      ref: `refs/heads/${branch}`, before: '0'.repeat(40), after: sha, head_commit: {id: sha}, commits: [],
      repository: this.repository(),
    });
  }

  // Sends a pull request opened by `author` from `branch` of their fork
  // (`fork`, "owner/name") into main; the queued workflow's id.
  pullRequest(branch, secret, {fork, author}) {
    return this.deliver('pull_request', secret, {
      action: 'opened', number: 7, sender: {login: author},
      pull_request: {
        number: 7, user: {login: author}, author_association: 'FIRST_TIME_CONTRIBUTOR',
        head: {ref: branch, sha: this.shas[branch], repo: {full_name: fork, clone_url: this.cloneUrl()}},
        base: {ref: 'main', sha: this.shas.main, repo: {full_name: 'acme/rocket'}},
      },
      repository: this.repository(),
    });
  }

  async deliver(event, secret, payload) {
    const body = JSON.stringify(payload);
    const response = await fetch(`${this.origin}/hooks/github`, {
      method: 'POST', body,
      headers: {'Content-Type': 'application/json', 'X-GitHub-Event': event,
                'X-GitHub-Delivery': `delivery-${++this.deliveries}`,
                'X-Hub-Signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`},
    });
    if (response.status !== 202) throw new Error(`webhook not queued: ${response.status} ${await response.text()}`);
    return (await response.json()).id;
  }

  // A repository with `files` on main, git daemon, the server, a project for
  // the repository, and a push of main run to success: the workflow's id.
  async startWithFinishedWorkflow(files, timeout = 30_000) {
    this.createRepository({main: files});
    await this.startGitDaemon();
    await this.startServer();
    const project = await this.api('POST', '/api/v1/projects', {owner: 'acme', name: 'rocket', url: this.cloneUrl()});
    const id = await this.push('main', project.webhook_secret);
    await waitFor(async () => await this.workflowStatus(id) === 'success', 'the workflow to succeed', timeout);
    return id;
  }

  async workflowStatus(id) {
    return (await this.api('GET', `/api/v1/workflows/${id}`)).status;
  }
}

// The GitHub stand-in's process (tests/webui/github_standin_main.cpp): its
// URL, its OAuth app's credentials, and its commands.
export class GitHubStandin {
  async start(installation) {
    const binary = process.env.FACTORY_GITHUB_STANDIN;
    if (!binary || !fs.existsSync(binary)) throw new Error(`FACTORY_GITHUB_STANDIN (${binary}) is not the built stand-in`);
    this.child = spawn(binary, [], {detached: true, stdio: ['pipe', 'pipe', 'inherit']});
    installation.processes.push(this.child);
    this.lines = [];
    this.waiting = [];
    let buffer = '';
    this.child.stdout.setEncoding('utf8').on('data', (text) => {
      buffer += text;
      for (let end; (end = buffer.indexOf('\n')) !== -1; buffer = buffer.slice(end + 1)) {
        const line = buffer.slice(0, end);
        const waiter = this.waiting.shift();
        if (waiter) waiter(line);
        else this.lines.push(line);
      }
    });
    const [word, url, clientId, clientSecret] = (await this.nextLine()).split(' ');
    if (word !== 'standin') throw new Error(`the stand-in said ${word}`);
    Object.assign(this, {url, clientId, clientSecret});
  }

  nextLine() {
    if (this.lines.length) return Promise.resolve(this.lines.shift());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async command(...words) {
    this.child.stdin.write(`${words.join(' ')}\n`);
    const answer = await this.nextLine();
    if (answer !== 'ok') throw new Error(`the stand-in refused ${words.join(' ')}: ${answer}`);
  }

  addRepository(fullName) {
    return this.command('repository', fullName);
  }

  acceptPersonalToken(token) {
    return this.command('personal-token', token);
  }

  // Whom the next OAuth sign-in signs in.
  signInAs(login) {
    return this.command('sign-in-as', login);
  }

  setPermission(repository, login, permission) {
    return this.command('permission', repository, login, permission);
  }
}

// Headless Chromium as the acceptance criteria launch it.
export async function launchBrowser() {
  const {chromium} = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run'],
  });
}

// Signs `page` in through the form, with the admin token.
export async function signIn(page, installation) {
  await page.goto(installation.origin + '/sign-in');
  await page.getByLabel('API token').fill(installation.adminToken);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', {name: 'Projects'}).waitFor();
}

// `login` signs in through the stand-in GitHub, in a browser context (and
// so a cookie jar) of their own, from the sign-in link of the project list;
// the page is `pages[login]` from the start, for screenshots of a failure.
export async function signInWithGitHub({browser, github, installation, pages}, login) {
  const page = await (await browser.newContext({viewport: {width: 1280, height: 800}})).newPage();
  pages[login] = page;
  await github.signInAs(login);
  await page.goto(installation.origin + '/');
  await page.getByRole('link', {name: 'Sign in', exact: true}).click();
  await page.getByRole('link', {name: 'Sign in with GitHub'}).click();
  await page.locator('.identity').getByText(login).waitFor();
  await page.getByRole('heading', {name: 'Projects'}).waitFor();
  return page;
}

// Every request a page makes, to check that none leaves the server's origin.
export function recordRequests(page) {
  const urls = [];
  page.on('request', (request) => urls.push(request.url()));
  return urls;
}

// The test's steps, each a node:test test of its own. A failing step
// screenshots every page of `pages` (who → page) and has the server's log
// printed once `installation` stops, after `cleanUp` (closing the browser).
export function testSteps(installation, pages, cleanUp) {
  let failed = false;
  after(async () => {
    await cleanUp();
    await installation.stop({failed});
  });
  return (name, body) => test(name, async () => {
    try {
      await body();
    } catch (error) {
      failed = true;
      for (const [who, page] of Object.entries(pages))
        await screenshot(page, `failed-${who}-${name.replace(/\W+/g, '-')}`).catch(() => {});
      throw error;
    }
  });
}

export async function screenshot(page, name) {
  await page.screenshot({path: artifactPath(name), fullPage: true});
}

// One part of a page (a locator), for a section of a long page.
export async function screenshotOf(locator, name) {
  await locator.screenshot({path: artifactPath(name)});
}

function artifactPath(name) {
  fs.mkdirSync(artifacts, {recursive: true});
  return path.join(artifacts, `${name}.png`);
}
