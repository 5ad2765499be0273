// A 100,000-line log (`seq 100000` run by a real agent) in headless
// Chromium: its first lines are painted within a second of opening it, the
// page keeps drawing frames while the rest streams in, scrolling to the end
// and to a linked line works, and the raw download has every line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {after, before, test} from 'node:test';
import {Installation, launchBrowser, recordRequests, requireChromium, screenshot, signIn} from './harness.mjs';

requireChromium();

const lineCount = 100_000;
const installation = new Installation();
let browser, page, requests, workflowId, executionId;

before(async () => {
  workflowId = await installation.startWithFinishedWorkflow({'.factory/ci.hcl': `
pipeline "print" {
  stage "numbers" {
    exec "seq" {
      run = "seq ${lineCount}"
    }
  }
}
`}, 120_000);
  const workflow = await installation.api('GET', `/api/v1/workflows/${workflowId}`);
  executionId = workflow.pipelines[0].stages[0].executions[0].id;
  browser = await launchBrowser();
  page = await browser.newPage({viewport: {width: 1280, height: 800}, acceptDownloads: true});
  requests = recordRequests(page);
  await signIn(page, installation);
});

after(async () => {
  await browser?.close();
  await installation.stop();
});

const logLines = () => page.getByRole('region', {name: 'Log lines'});

test('the first lines paint within a second and frames keep coming', async () => {
  await page.goto(`${installation.origin}/workflows/${workflowId}`);
  await page.getByRole('link', {name: /seq/}).waitFor();
  // From the click to the frame after the first line is in the document;
  // and the longest gap between frames until the whole log is in.
  await page.evaluate(() => {
    window.started = performance.now();
    window.longestFrameGap = 0;
    let last = performance.now();
    const tick = (now) => {
      window.longestFrameGap = Math.max(window.longestFrameGap, now - last);
      last = now;
      if (!window.loaded) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    new MutationObserver((_, observer) => {
      if (!document.querySelector('.log .line')) return;
      observer.disconnect();
      requestAnimationFrame(() => { window.firstPaint = performance.now() - window.started; });
    }).observe(document.body, {childList: true, subtree: true});
  });
  await page.getByRole('link', {name: /seq/}).click();
  const firstPaint = await (await page.waitForFunction(() => window.firstPaint)).jsonValue();
  await page.getByRole('status').getByText('ended').waitFor({timeout: 60_000});
  const loaded = await page.evaluate(() => {
    window.loaded = true;
    return performance.now() - window.started;
  });
  const longestFrameGap = await page.evaluate(() => window.longestFrameGap);
  console.log(`first paint ${firstPaint.toFixed(0)} ms; all ${lineCount} lines in ${loaded.toFixed(0)} ms; ` +
              `longest gap between frames ${longestFrameGap.toFixed(0)} ms`);
  assert.ok(firstPaint < 1000, `first paint took ${firstPaint} ms`);
  assert.ok(longestFrameGap < 1000, `the page froze for ${longestFrameGap} ms`);
  assert.ok(await page.locator('.log .line').count() < 200, 'only the lines in view are in the document');
  await screenshot(page, 'log-large');
});

test('the end and the middle of the log are a scroll away', async () => {
  await logLines().focus();
  await page.keyboard.press('End');
  await page.locator('#L100000').waitFor();
  assert.equal(await page.locator('#L100000 .text').textContent(), String(lineCount));
  await logLines().evaluate((element) => { element.scrollTop = element.scrollHeight / 2; });
  await page.locator('#L50000').waitFor();
  assert.equal(await page.getByRole('button', {name: 'Follow the end'}).isVisible(), true);
  await page.getByRole('button', {name: 'Follow the end'}).click();
  await page.locator('#L100000').waitFor();
});

test('a line is linked by its number', async () => {
  await page.goto(`${installation.origin}/executions/${executionId}?workflow=${workflowId}#L54321`);
  const line = page.locator('#L54321');
  await line.waitFor();
  assert.match(await line.getAttribute('class'), /target/);
  assert.equal(await line.isVisible(), true);
  await screenshot(page, 'log-linked-line');
});

test('the raw log downloads whole', async () => {
  const download = page.waitForEvent('download');
  await page.getByRole('link', {name: 'Download raw log'}).click();
  const text = fs.readFileSync(await (await download).path(), 'utf8');
  const lines = text.split('\n');
  assert.equal(lines.length, lineCount + 1);
  assert.equal(lines[lineCount - 1], String(lineCount));
});

test('no request left the server\'s origin', () => {
  const elsewhere = requests.filter((url) => !url.startsWith(installation.origin + '/') &&
                                             !url.startsWith(`blob:${installation.origin}/`));
  assert.deepEqual(elsewhere, []);
});
