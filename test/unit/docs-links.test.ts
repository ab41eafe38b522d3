import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The README and the reference in docs/ link each other by relative paths and `#anchors`; this
 * keeps every such link pointing at a file that exists and a heading it has, and the README short.
 */
const root = resolve(import.meta.dirname, '../..');
const docsDir = join(root, 'docs');
const pages = [
  'README.md',
  ...readdirSync(docsDir).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  'test/bench/README.md',
  'test/bench/results/latest.md',
];

/** Pages linked before they exist (none now); a test fails while an entry here exists as a file. */
const PENDING = new Set<string>();

/** Markdown without fenced code blocks and inline code, where `[x](y)` and `#` are not markup. */
function prose(md: string): string {
  return md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Heading anchors as GitHub makes them (github-slugger): lower case, punctuation dropped, spaces to `-`, repeats numbered. */
function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const body = md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const m of body.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const text = m[1]!.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`/g, '');
    const base = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Relative link targets of a page: inline links and images, and reference definitions. */
function links(md: string): string[] {
  const text = prose(md);
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const refs = [...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1]!);
  return [...inline, ...refs].filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l));
}

describe('docs links', () => {
  const read = (p: string) => readFileSync(join(root, p), 'utf8');

  it.each(pages)('%s: every relative link and anchor resolves', (page) => {
    const problems: string[] = [];
    for (const link of links(read(page))) {
      const [path, anchor] = link.split('#', 2) as [string, string | undefined];
      const target = path === '' ? join(root, page) : resolve(dirname(join(root, page)), decodeURI(path));
      const rel = relative(root, target);
      if (rel.startsWith('..')) {
        problems.push(`${link}: points outside the repository`);
        continue;
      }
      if (!existsSync(target)) {
        if (!PENDING.has(rel)) problems.push(`${link}: no file ${rel}`);
        continue;
      }
      if (anchor !== undefined && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(decodeURIComponent(anchor))) {
        problems.push(`${link}: ${rel} has no heading with anchor #${anchor}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('README.md stays a README: under 320 lines', () => {
    const lines = (read('README.md').match(/\n/g) ?? []).length;
    expect(lines).toBeLessThan(320);
  });

  it('README.md links every page in docs/', () => {
    const linked = new Set(links(read('README.md')).map((l) => l.split('#')[0]));
    const unlinked = readdirSync(docsDir)
      .filter((f) => f.endsWith('.md'))
      .filter((f) => !linked.has(`docs/${f}`));
    expect(unlinked).toEqual([]);
  });

  it('pages linked before they exist are still missing (remove an entry from PENDING once its page lands)', () => {
    expect([...PENDING].filter((p) => existsSync(join(root, p)))).toEqual([]);
  });

  it('the checker finds what it must', () => {
    const md = '# A `b` c (d)\n## Same\n## Same\n```\n# not a heading\n[x](nowhere.md)\n```\n[y](docs/api.md#routes) `[z](gone.md)` [w](https://example.com)\n[r]: ./LICENSE\n';
    expect([...anchors(md)]).toEqual(['a-b-c-d', 'same', 'same-1']);
    expect(links(md)).toEqual(['docs/api.md#routes', './LICENSE']);
  });
});
