import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Where `npm run build` puts the page, and where the gateway serves it from. */
export const WEB_OUT = join(here, '..', '..', 'dist', 'web');

/**
 * Bundles the page (gateway/web/src) with esbuild into `outDir`: `index.html`, `app.js` (ES
 * modules, minified, split so the rule editor's CodeMirror loads only on that screen), `app.css`
 * and source maps. About a second; the e2e tests call it too, so they never test a stale page.
 */
export async function buildWeb(outDir = WEB_OUT): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: { app: join(here, 'src', 'main.tsx') },
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    minify: true,
    sourcemap: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    chunkNames: 'chunks/[name]-[hash]',
    loader: { '.css': 'css' },
    logLevel: 'warning',
    legalComments: 'linked',
  });
  copyFileSync(join(here, 'src', 'index.html'), join(outDir, 'index.html'));
}

/** Newest modification time of the page's sources. */
function newestSource(dir = join(here, 'src')): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds the page unless `outDir` holds a build newer than every source (tests call this). */
export async function ensureWebBuilt(outDir = WEB_OUT): Promise<void> {
  let built = 0;
  try {
    built = statSync(join(outDir, 'app.js')).mtimeMs;
  } catch {
    // not built
  }
  if (built < newestSource()) await buildWeb(outDir);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? WEB_OUT;
  await buildWeb(out);
  process.stdout.write(`page built into ${out}\n`);
}
