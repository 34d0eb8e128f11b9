// The last step of `npm run build` (which `npm pack` runs): bundles the compiled workflows once into
// lib/workflow-bundle.js, where the worker's prebuiltWorkflowBundlePath() finds it, so that a worker
// of the package starts without bundling; and once more with Temporal's OpenTelemetry workflow
// interceptors into lib/workflow-bundle-tracing.js, which a worker with tracing on runs instead (the
// plain bundle stays free of them, so a worker without tracing runs exactly the code it always did).
// Plain JavaScript on the compiled lib/: no tsx needed.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { quietBundlerLogger } from '../lib/src/temporal/logging.js';
import { tracingWorkflowInterceptorModules } from '../lib/src/observability/worker-tracing.js';
import { BUNDLE_FILE, TRACING_BUNDLE_FILE, workflowBundleOptions } from '../lib/src/worker.js';

const bundles = [
  { file: BUNDLE_FILE, workflowInterceptorModules: [] },
  { file: TRACING_BUNDLE_FILE, workflowInterceptorModules: tracingWorkflowInterceptorModules() },
];
for (const { file, workflowInterceptorModules } of bundles) {
  const target = fileURLToPath(new URL(`../lib/${file}`, import.meta.url));
  const { code } = await bundleWorkflowCode({
    ...workflowBundleOptions(),
    workflowInterceptorModules,
    logger: quietBundlerLogger,
  });
  writeFileSync(target, code);
  console.error(`workflow bundle: lib/${file} (${Math.round(code.length / 1024)} KiB)`);
}
