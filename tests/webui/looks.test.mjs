// The web UI on a phone-sized screen, in the dark theme, and driven by the
// keyboard alone, in headless Chromium against a real server; screenshots
// of each go to the test artifacts.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {Installation, launchBrowser, requireChromium, screenshot, signIn} from './harness.mjs';

requireChromium();

const installation = new Installation();
let browser, workflowId;
const requests = [];

before(async () => {
  workflowId = await installation.startWithFinishedWorkflow({'.factory/ci.hcl': `
pipeline "lint" {
  stage "check" {
    exec "format" {
      run = "printf '\\\\033[1;33mwarning:\\\\033[0m line too long\\\\n'; printf '\\\\033[38;5;208morange\\\\033[0m \\\\033[48;2;10;20;30mnavy\\\\033[0m\\\\n'; echo checked"
    }
  }
}
pipeline "build" {
  depends_on = ["lint"]
  stage "compile" {
    exec "gcc" {
      run = "echo compiled with gcc"
    }
    exec "clang" {
      run = "echo compiled with clang >&2"
    }
  }
  stage "package" {
    exec "tar" {
      run = "echo packed"
    }
  }
}
`});
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await installation.stop();
});

// A signed-in page in a context of its own (sessionStorage is per context).
async function signedInPage(options) {
  const page = await browser.newPage(options);
  page.on('request', (request) => requests.push(request.url()));
  await signIn(page, installation);
  return page;
}

// Tabs until the focused element's text is `text`; fails after 40 presses.
async function tabTo(page, text) {
  for (let i = 0; i < 40; ++i) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.textContent?.trim())) === text) return;
  }
  throw new Error(`Tab never reached "${text}"`);
}

const focusVisible = (page) => page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle !== 'none');

test('everything is reachable with the keyboard, focus visible', async () => {
  const page = await signedInPage({viewport: {width: 1280, height: 800}});
  await page.goto(installation.origin + '/');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  assert.equal(await focusVisible(page), true);
  await tabTo(page, 'acme/rocket');
  assert.equal(await focusVisible(page), true);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', {name: 'acme/rocket'}).waitFor();
  await tabTo(page, 'success');
  await page.keyboard.press('Enter');
  await page.getByRole('region', {name: 'Pipeline build'}).waitFor();
  await tabTo(page, 'success gcc');
  await screenshot(page, 'keyboard-focus');
  await page.keyboard.press('Enter');
  await page.getByRole('region', {name: 'Log lines'}).getByText('compiled with gcc').waitFor();
  await page.close();
});

test('the dark theme follows the system; ANSI colours show in it', async () => {
  const page = await signedInPage({viewport: {width: 1280, height: 800}, colorScheme: 'dark'});
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(background, 'rgb(13, 17, 23)');
  await screenshot(page, 'dark-projects');
  await page.goto(`${installation.origin}/workflows/${workflowId}`);
  await page.locator('.heading .status-success').waitFor();
  await screenshot(page, 'dark-workflow');
  await page.getByRole('link', {name: /format/}).click();
  const log = page.getByRole('region', {name: 'Log lines'});
  await log.getByText('checked').waitFor();
  const style = (text, property) =>
    log.getByText(text, {exact: true}).evaluate((span, name) => getComputedStyle(span)[name], property);
  assert.equal(await style('warning:', 'fontWeight'), '700');
  assert.equal(await style('orange', 'color'), 'rgb(255, 135, 0)');
  assert.equal(await style('navy', 'backgroundColor'), 'rgb(10, 20, 30)');
  await screenshot(page, 'dark-log');
  await page.close();
});

test('a phone-sized screen shows every page without sideways scrolling', async () => {
  const page = await signedInPage({viewport: {width: 390, height: 844}, isMobile: true, hasTouch: true});
  // The phone's width, not innerWidth: a page too wide for it widens the layout viewport.
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= 390);
  assert.equal(await fits(), true);
  await screenshot(page, 'phone-projects');
  await page.getByRole('link', {name: 'acme/rocket', exact: true}).click();
  await page.locator('table.workflows .status-success').waitFor();
  assert.equal(await fits(), true);
  await screenshot(page, 'phone-project');
  await page.goto(`${installation.origin}/workflows/${workflowId}`);
  await page.getByRole('region', {name: 'Pipeline build'}).waitFor();
  assert.equal(await fits(), true);
  await screenshot(page, 'phone-workflow');
  await page.getByRole('link', {name: /gcc/}).click();
  await page.getByRole('region', {name: 'Log lines'}).getByText('compiled with gcc').waitFor();
  assert.equal(await fits(), true);
  await screenshot(page, 'phone-log');
  await page.close();
});

test('no request left the server\'s origin', () => {
  assert.ok(requests.length > 10);
  assert.deepEqual(requests.filter((url) => !url.startsWith(installation.origin + '/')), []);
});
