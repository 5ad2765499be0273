// The Tests section of a workflow page, in headless Chromium against a real
// server and its local agent: a push runs an execution whose JUnit report
// has a passed, a failed, a skipped and a flaky test (Surefire's
// flakyFailure: it failed, ran again and passed); the page shows the totals,
// lists the failure with its message and place, its output when opened, and
// the flaky test marked as such.
import assert from 'node:assert/strict';
import {before} from 'node:test';
import {Installation, launchBrowser, requireChromium, screenshotOf, signIn, testSteps} from './harness.mjs';

requireChromium();

const installation = new Installation();
const pages = {};
let browser, workflowId;

const configuration = `
pipeline "ci" {
  stage "test" {
    exec "unit" {
      run = <<-EOT
        mkdir -p build/test-results
        cat > build/test-results/unit.xml <<'XML'
        <testsuite name="calc">
          <testcase classname="calc.CalculatorTest" name="adds" time="0.25"/>
          <testcase classname="calc.CalculatorTest" name="divides" time="0.5">
            <failure message="expected: &lt;Infinity&gt; but was: &lt;NaN&gt;" type="AssertionFailedError">at calc.CalculatorTest.divides(CalculatorTest.java:27)</failure>
            <system-out>dividing 1 by 0</system-out>
          </testcase>
          <testcase classname="calc.CalculatorTest" name="rounds"><skipped message="later"/></testcase>
          <testcase classname="calc.CalculatorTest" name="waits" time="1.5">
            <flakyFailure message="timed out after 1s" type="TimeoutException"/>
          </testcase>
        </testsuite>
        XML
      EOT
      reports = ["build/test-results/*.xml"]
    }
  }
}
`;

before(async () => {
  workflowId = await installation.startWithFinishedWorkflow({'.factory/ci.hcl': configuration});
  browser = await launchBrowser();
});

const step = testSteps(installation, pages, () => browser?.close());

step('the Tests section lists the totals, the failure with its message and the flaky test', async () => {
  const page = pages.main = await browser.newPage({viewport: {width: 1280, height: 900}});
  await signIn(page, installation);
  await page.goto(`${installation.origin}/workflows/${workflowId}`);
  const tests = page.getByRole('region', {name: 'Tests'});
  await tests.waitFor({timeout: 30_000});
  await tests.getByText('2 passed, 1 failed, 1 skipped, 1 flaky').first().waitFor();
  assert.equal(await tests.getByRole('link', {name: 'ci/test/unit'}).count(), 1);

  const problems = tests.getByRole('list', {name: 'Failed tests of unit'}).getByRole('listitem');
  assert.equal(await problems.count(), 2);
  const failure = problems.nth(0);
  assert.equal(await failure.locator('summary .status').textContent(), 'failed');
  assert.match(await failure.locator('summary').textContent(), /calc\.CalculatorTest › divides/);
  assert.equal(await failure.locator('.test-message').textContent(), 'expected: <Infinity> but was: <NaN>');
  assert.equal(await failure.locator('pre.test-output').isVisible(), false);  // closed until asked for
  await failure.locator('summary').click();
  assert.match(await failure.locator('pre.test-output').textContent(),
               /CalculatorTest\.java:27\)\ndividing 1 by 0/);

  const flaky = problems.nth(1);
  assert.equal(await flaky.locator('summary .status').textContent(), 'flaky');
  assert.match(await flaky.locator('summary').textContent(), /waits/);
  assert.equal(await flaky.locator('.test-message').textContent(), 'timed out after 1s');
  await screenshotOf(tests, 'workflow-tests');
});
