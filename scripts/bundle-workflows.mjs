// The last step of `npm run build` (which `npm pack` runs): bundles the compiled workflows once into
// lib/workflow-bundle.js, where the worker's prebuiltWorkflowBundlePath() finds it, so that a worker
// of the package starts without bundling. Plain JavaScript on the compiled lib/: no tsx needed.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { quietBundlerLogger } from '../lib/src/temporal/logging.js';
import { workflowBundleOptions } from '../lib/src/worker.js';

const target = fileURLToPath(new URL('../lib/workflow-bundle.js', import.meta.url));
const { code } = await bundleWorkflowCode({ ...workflowBundleOptions(), logger: quietBundlerLogger });
writeFileSync(target, code);
console.error(`workflow bundle: lib/workflow-bundle.js (${Math.round(code.length / 1024)} KiB)`);
