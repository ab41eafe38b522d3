/**
 * The import rule of docs/architecture.md: values flow forward. A stage imports only from `core`,
 * `config`, `store` and the stages before it (sources < tags < rules < alarms < workorders <
 * targets), never from a stage after it; time series and local history are sinks beside the rules; the pipeline
 * (src/pipeline) may import every stage, the replay every part of src/; the Sparkplug B edge node
 * and the gateway status (src/sparkplug, src/fleet) are sinks no stage imports; `gateway/` imports
 * `src/` only; `simulators/` imports `src/core` only (the demo launcher also `gateway/`). test/unit/architecture.test.ts runs it.
 */
const STAGES = ['sources', 'tags', 'rules', 'alarms', 'workorders', 'workorders/targets'];
const LATER_THAN_ALL = ['timeseries', 'history', 'pipeline', 'replay'];
const dir = (d) => `^src/${d}/`;
const anyOf = (ds) => `^src/(${ds.join('|')})/`;

const forbidden = [
  {
    name: 'no-circular',
    severity: 'error',
    comment: 'A cycle of imports (type-only imports excepted) ties files that should read one way.',
    from: { path: '^(src|gateway|simulators)/' },
    to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
  },
  {
    name: 'core-imports-core-only',
    severity: 'error',
    from: { path: dir('core') },
    to: { path: '^src/', pathNot: dir('core') },
  },
  {
    name: 'config-imports-core-only',
    severity: 'error',
    from: { path: dir('config') },
    to: { path: '^src/', pathNot: anyOf(['core', 'config']) },
  },
  {
    name: 'store-imports-core-and-config-only',
    severity: 'error',
    from: { path: dir('store') },
    to: { path: '^src/', pathNot: anyOf(['core', 'config', 'store']) },
  },
  ...STAGES.map((stage, i) => ({
    name: `${stage.replace('/', '-')}-imports-no-later-stage`,
    severity: 'error',
    comment: `${stage} hands values forward; it must not import a stage after it.`,
    from: { path: dir(stage), ...(stage === 'workorders' ? { pathNot: dir('workorders/targets') } : {}) },
    to: { path: anyOf([...STAGES.slice(i + 1), ...LATER_THAN_ALL]) },
  })),
  {
    name: 'timeseries-is-a-sink',
    severity: 'error',
    comment: 'The time-series writer sits beside the rules: it imports core, config and store only.',
    from: { path: dir('timeseries') },
    to: { path: '^src/', pathNot: anyOf(['core', 'config', 'store', 'timeseries']) },
  },
  {
    name: 'history-is-a-sink',
    severity: 'error',
    comment: 'Local tag history sits beside the rules, as the time-series writer: it imports core, config and store only.',
    from: { path: dir('history') },
    to: { path: '^src/', pathNot: anyOf(['core', 'config', 'store', 'history']) },
  },
  {
    name: 'sparkplug-and-fleet-are-sinks',
    severity: 'error',
    comment: 'The Sparkplug B edge node and the gateway status hear what the pipeline hands them; no stage imports them, except that the Sparkplug source shares the payload codec and topic names.',
    from: { path: anyOf([...STAGES, 'timeseries', 'core', 'config', 'store']), pathNot: '^src/sources/sparkplug/' },
    to: { path: '^src/(sparkplug|fleet)/' },
  },
  {
    name: 'sparkplug-source-uses-the-codec-only',
    severity: 'error',
    from: { path: '^src/sources/sparkplug/' },
    to: { path: '^src/(sparkplug|fleet)/', pathNot: '^src/sparkplug/(payload|topic)\\.ts$' },
  },
  {
    name: 'no-stage-imports-insight',
    severity: 'error',
    comment: 'Health and KPIs (src/insight) are a read model beside the stages: it reads their values and stores; nothing in the flow depends on it.',
    from: { path: '^src/', pathNot: '^src/(insight|replay)/' },
    to: { path: '^src/insight/' },
  },
  {
    name: 'insight-reads-does-not-run',
    severity: 'error',
    comment: 'The read model does not wire or run stages.',
    from: { path: '^src/insight/' },
    to: { path: '^src/(pipeline|replay|sparkplug|fleet)/' },
  },
  {
    name: 'pipeline-not-replay',
    severity: 'error',
    from: { path: dir('pipeline') },
    to: { path: dir('replay') },
  },
  {
    name: 'src-stands-alone',
    severity: 'error',
    comment: 'The engine has no process, HTTP or test concerns.',
    from: { path: '^src/' },
    to: { path: '^(gateway|simulators|test)/' },
  },
  {
    name: 'gateway-imports-src-only',
    severity: 'error',
    from: { path: '^gateway/' },
    to: { path: '^(simulators|test)/' },
  },
  {
    name: 'simulators-import-core-only',
    severity: 'error',
    comment: 'The plant and CMMS simulators stand for other vendors\' devices; only the demo launcher starts the gateway.',
    from: { path: '^simulators/', pathNot: '^simulators/demo\\.ts$' },
    to: { path: '^(src/(?!core/)|gateway/|test/)' },
  },
];

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|test)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
