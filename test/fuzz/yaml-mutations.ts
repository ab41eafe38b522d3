import fc from 'fast-check';
import { stringify } from 'yaml';

/**
 * Arbitraries for config and rule files as engineers break them: a valid file with lines
 * deleted, duplicated, swapped, re-indented, values replaced by the wrong type, characters
 * inserted, or the file cut; YAML written from random values; and YAML made to hurt (alias
 * bombs, deep nesting, huge scalars).
 */

const ODD_VALUES = ['', '~', 'null', '[]', '{}', '-1', '0', '1e999', '.nan', 'true', 'yes', '"x"', "'", '"', '*nope', '&a x', '!!binary aGk=', '!!js/function x', '${UNSET_VAR}', '${HOME}', '$${X}', '12:30', '2026-13-45', '0x1F', '- a', '? x', '| \n  x', 'x'.repeat(5000), 'é€😀', '\t'];

const lineOp = fc.record({
  op: fc.constantFrom('delete', 'duplicate', 'swap', 'indent', 'dedent', 'value', 'insert', 'key'),
  at: fc.nat(),
  other: fc.nat(),
  value: fc.oneof(fc.constantFrom(...ODD_VALUES), fc.string({ maxLength: 12 })),
  char: fc.constantFrom(':', '-', '#', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>', '"', "'", '\t', ' ', '\n', '%', '@', '`'),
});

function applyOp(text: string, o: { op: string; at: number; other: number; value: string; char: string }): string {
  const lines = text.split('\n');
  const i = o.at % lines.length;
  const j = o.other % lines.length;
  const line = lines[i]!;
  switch (o.op) {
    case 'delete':
      lines.splice(i, 1);
      break;
    case 'duplicate':
      lines.splice(i, 0, line);
      break;
    case 'swap':
      [lines[i], lines[j]] = [lines[j]!, line];
      break;
    case 'indent':
      lines[i] = `  ${line}`;
      break;
    case 'dedent':
      lines[i] = line.replace(/^ {1,2}/, '');
      break;
    case 'value': {
      const colon = line.indexOf(': ');
      lines[i] = colon >= 0 ? `${line.slice(0, colon + 2)}${o.value}` : line.replace(/- .*/, `- ${o.value}`);
      break;
    }
    case 'key':
      lines[i] = line.replace(/^(\s*-?\s*)[A-Za-z_]+/, `$1${o.value.replace(/\n/g, '') || 'x'}`);
      break;
    default: {
      const k = line.length === 0 ? 0 : o.other % (line.length + 1);
      lines[i] = line.slice(0, k) + o.char + line.slice(k);
    }
  }
  return lines.join('\n');
}

/** A seed file broken by one to four edits, or cut short. */
export function mutatedYaml(seeds: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...seeds), fc.array(lineOp, { minLength: 1, maxLength: 4 }), fc.option(fc.nat(), { freq: 10 })).map(([seed, ops, cut]) => {
    let t = seed;
    for (const o of ops) t = applyOp(t, o);
    return cut === null ? t : t.slice(0, cut % (t.length + 1));
  });
}

/** YAML written from random JSON values, and YAML meant to hurt. */
export const randomYaml: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => stringify(v)) },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 2, max: 9 }).map((n) => {
      // Billion laughs: each level refers to the previous one n times.
      const lv = ['a: &a [x, x]'];
      for (let k = 1; k < 8; k++) lv.push(`${String.fromCharCode(97 + k)}: &${String.fromCharCode(97 + k)} [${Array(n).fill(`*${String.fromCharCode(96 + k)}`).join(', ')}]`);
      return lv.join('\n');
    }),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 50, max: 6000 }), fc.constantFrom('[', '{a: ', '- ')).map(([d, open]) => {
      if (open === '- ') return Array.from({ length: Math.min(d, 1500) }, (_, k) => `${' '.repeat(2 * k)}- `).join('\n') + 'x';
      const close = open === '[' ? ']' : '}';
      return `gateway: ${open.repeat(d)}1${close.repeat(d)}`;
    }),
  },
);
