import dockerignoreModule from '@balena/dockerignore';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validateRules } from '../../../gateway/commands/validate.js';
import { loadConfig } from '../../../src/config/load.js';
import { tempDir } from '../../helpers/servers.js';

/**
 * No Docker engine runs here, so the image is checked from its recipe: the Dockerfile parsed
 * (dockerfile-ast, the parser behind the VS Code Docker extension), every path it copies present
 * in the repository and let through by .dockerignore, and the image started the way `npm start`
 * starts the gateway.
 */
const root = join(import.meta.dirname, '../../..');
const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(text);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; engines: { node: string } };
// A CommonJS module typed with `export default`: its factory is also its own `.default`.
const dockerignore = dockerignoreModule.default().add(readFileSync(join(root, '.dockerignore'), 'utf8').split('\n'));
const args = (i: Instruction) => i.getArguments().map((a) => a.getValue());
const line = (i: Instruction) => i.getRange().start.line;
const stages = dockerfile.getFROMs();
const final = stages[stages.length - 1]!;
/** The instructions of the image that runs (the last stage), by keyword. */
const finalStage = (keyword: string) => dockerfile.getInstructions().filter((i) => line(i) > line(final) && i.getKeyword() === keyword);
const env = new Map(finalStage('ENV').flatMap((i) => (i as unknown as { getProperties(): { getName(): string; getValue(): string }[] }).getProperties().map((p) => [p.getName(), p.getValue()] as const)));
const starter = parseYaml(readFileSync(join(root, 'deploy/container/site.yaml'), 'utf8')) as { gateway: { dataDir: string }; api: { host: string; port: number }; sources: { broker?: { host: string; port: number } }[] };

describe('Dockerfile', () => {
  it('has no problems a Dockerfile linter finds (dockerfile-utils)', () => {
    expect(validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('every path it copies from the build context exists and is not excluded by .dockerignore', () => {
    const copies = dockerfile.getCOPYs().filter((c) => !c.getFromFlag());
    expect(copies.length).toBeGreaterThan(5);
    for (const c of copies) {
      const sources = args(c).slice(0, -1);
      for (const src of sources) {
        expect(existsSync(join(root, src)), `COPY ${src} (line ${line(c) + 1}) exists`).toBe(true);
        // Every tracked file under it reaches the build context: none silently dropped by a pattern.
        const files = execFileSync('git', ['ls-files', '--', src], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
        expect(files.length, `${src} is tracked by git`).toBeGreaterThan(0);
        expect(files.filter((f) => dockerignore.ignores(f)), `${src}: files .dockerignore leaves out`).toEqual([]);
      }
    }
  });

  it('copies between stages only from stages defined before, and the paths they make', () => {
    const named = new Map(stages.map((s) => [s.getBuildStage(), line(s)]));
    const runs = (stage: string) => {
      const from = named.get(stage)!;
      const next = stages.map(line).find((l) => l > from) ?? Infinity;
      return dockerfile.getInstructions().filter((i) => line(i) > from && line(i) < next && i.getKeyword() === 'RUN').map((i) => i.getArgumentsContent());
    };
    const copies = dockerfile.getCOPYs().filter((c) => c.getFromFlag());
    expect(copies.map((c) => [c.getFromFlag()!.getValue(), args(c)[0]])).toEqual([
      ['deps', '/app/node_modules'],
      ['build', '/app/dist'],
    ]);
    for (const c of copies) expect(named.get(c.getFromFlag()!.getValue())).toBeLessThan(line(c));
    expect(runs('deps')).toContain('npm ci --omit=dev --no-audit --no-fund');
    expect(runs('build')).toContain('npm run build');
    // `npm run build` writes to tsconfig's outDir, which is what the runtime stage copies.
    expect((JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as { compilerOptions: { outDir: string } }).compilerOptions.outDir).toBe('dist');
  });

  it('starts the gateway with the command `npm start` runs', () => {
    expect(dockerfile.getENTRYPOINTs()).toEqual([]);
    const cmds = dockerfile.getCMDs();
    expect(cmds).toHaveLength(1);
    const cmd = cmds[0]!.getJSONStrings().map((s) => s.getJSONValue());
    // Exec form: node is PID 1 and receives SIGTERM itself (a shell would not pass it on).
    expect(cmd.length).toBeGreaterThan(0);
    expect(cmd.join(' ')).toBe(pkg.scripts.start);
    // The script it runs is built from a source the build stage copies.
    const script = cmd.find((a) => a.startsWith('dist/'))!;
    expect(existsSync(join(root, script.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
  });

  it('runs on an official Node slim image of the major version package.json asks for, as a non-root user', () => {
    const major = /(\d+)/.exec(pkg.engines.node)![1];
    for (const s of stages) expect(dockerfile.resolveVariable('NODE_IMAGE', line(s)) ?? s.getImage()).toBe(`node:${major}-bookworm-slim`);
    const users = finalStage('USER').map((u) => args(u)[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
  });

  it("keeps its state in the /data volume, health-checks /api/health and exposes the starting config's ports", () => {
    expect(finalStage('VOLUME').flatMap(args)).toEqual([starter.gateway.dataDir]);
    const health = dockerfile.getHEALTHCHECKs();
    expect(health).toHaveLength(1);
    expect(health[0]!.getArgumentsContent()).toContain('process.env.CBM_HEALTH_URL');
    expect(env.get('CBM_HEALTH_URL')).toBe(`http://127.0.0.1:${starter.api.port}/api/health`);
    const broker = starter.sources.find((s) => s.broker)!.broker!;
    expect(finalStage('EXPOSE').flatMap(args).map(Number).sort()).toEqual([broker.port, starter.api.port].sort());
    // Published ports reach the listeners only if they listen beyond the container's loopback.
    expect([starter.api.host, broker.host]).toEqual(['0.0.0.0', '0.0.0.0']);
  });

  it("the image's starting config (CBM_CONFIG) validates in the image's layout, with its rules", () => {
    expect(env.get('CBM_CONFIG')).toBe('/app/edge-config/site.yaml');
    expect(dockerfile.getCOPYs().some((c) => args(c).join(' ') === 'deploy/container/site.yaml edge-config/site.yaml')).toBe(true);
    const app = tempDir('image-layout');
    mkdirSync(join(app, 'edge-config'));
    cpSync(join(root, 'deploy/container/site.yaml'), join(app, 'edge-config/site.yaml'));
    symlinkSync(join(root, 'rules'), join(app, 'rules'));
    const loaded = loadConfig(join(app, 'edge-config/site.yaml'), {});
    const rules = validateRules(loaded);
    expect(rules.rules.length).toBeGreaterThan(0);
    expect(rules.instances.length).toBeGreaterThan(0);
  });
});

describe('deploy/compose.yaml', () => {
  const compose = parseYaml(readFileSync(join(root, 'deploy/compose.yaml'), 'utf8')) as {
    services: { gateway: { build: { context: string }; ports: string[]; volumes: string[]; stop_grace_period: string } };
    volumes: Record<string, unknown>;
  };
  const gw = compose.services.gateway;

  it('builds this repository\'s Dockerfile and publishes the ports the image exposes', () => {
    expect(existsSync(join(root, 'deploy', gw.build.context, 'Dockerfile'))).toBe(true);
    const exposed = finalStage('EXPOSE').flatMap(args).sort();
    expect(gw.ports.map((p) => p.split(':')).map(([host, container]) => [host, container])).toEqual(exposed.map((p) => [p, p]));
  });

  it('keeps /data on a named volume', () => {
    const data = gw.volumes.find((v) => v.endsWith(':/data'))!;
    expect(data).toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(data.split(':')[0]);
  });
});
