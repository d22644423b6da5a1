/**
 * Ends every run with one plain line, `N passed, N failed, N skipped`, which CI
 * reads. Skipped tests print their reason (the test name says why) above it.
 */
import type { Reporter, TestCase, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skippedNames: string[] = [];
    for (const mod of testModules) {
      for (const test of mod.children.allTests() as Iterable<TestCase>) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else {
          skipped++;
          const note = test.result().state === 'skipped' ? (test.result() as { note?: string }).note : undefined;
          skippedNames.push(`${test.fullName}${note ? ` — ${note}` : ''}`);
        }
      }
      // A file that failed to load counts as a failure, not as nothing.
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) failed++;
    }
    for (const name of skippedNames) process.stdout.write(`skipped: ${name}\n`);
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
