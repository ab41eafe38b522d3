import { runScenario, describeRun } from './test/integration/scenarios-harness.js';
const r = await runScenario(process.argv[2]!);
console.log(describeRun(r));
process.exit(0);
