/**
 * MQTT topic patterns for access control, with `{client}` and `{username}` placeholders (as
 * Mosquitto's `pattern` lines have `%c` and `%u`). A pattern is an MQTT topic filter: `+` one
 * level, `#` the rest [MQTT-4.7.1]; a leading wildcard does not match `$` topics [MQTT-4.7.2-1].
 */

/** One client's patterns, placeholders filled in, split into levels. */
export type TopicAcl = readonly (readonly string[])[];

/**
 * Fills in `{client}` and `{username}`. A value that is empty or holds `/`, `+` or `#` would
 * widen the pattern: such a pattern is dropped (it matches nothing), as Mosquitto does.
 */
export function compileAcl(patterns: readonly string[], client: string, username: string | undefined): TopicAcl {
  const unsafe = (v: string | undefined) => v === undefined || v === '' || /[/+#]/.test(v);
  const out: string[][] = [];
  for (const p of patterns) {
    if ((p.includes('{client}') && unsafe(client)) || (p.includes('{username}') && unsafe(username))) continue;
    out.push(p.replaceAll('{client}', client).replaceAll('{username}', username ?? '').split('/'));
  }
  return out;
}

/**
 * May a client with `acl` publish to `topic`, or subscribe to it as a filter (every topic the
 * filter matches must be a pattern's)?
 */
export function aclAllows(acl: TopicAcl, topicOrFilter: string): boolean {
  const levels = topicOrFilter.split('/');
  return acl.some((p) => covers(p, levels));
}

/**
 * Does pattern `p` cover `f` (a topic, or a filter: every topic it matches)? Level by level: `#`
 * covers the rest; `+` covers one level that is not `#`; a word covers only itself.
 */
function covers(p: readonly string[], f: readonly string[]): boolean {
  if (f[0]?.startsWith('$') && (p[0] === '+' || p[0] === '#')) return false; // [MQTT-4.7.2-1]
  for (let i = 0; i < p.length; i++) {
    const pl = p[i]!;
    if (pl === '#') return true;
    const fl = f[i];
    if (fl === undefined) return false;
    if (pl === '+') {
      if (fl === '#') return false;
      continue;
    }
    if (pl !== fl) return false;
  }
  return p.length === f.length;
}
