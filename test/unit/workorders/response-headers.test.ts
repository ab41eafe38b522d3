import { describe, expect, it } from 'vitest';
import { ResponseHeaders } from '../../../src/workorders/targets/http.js';

describe('ResponseHeaders', () => {
  it('reads names and values as fetch Headers does', () => {
    const raw = ['Content-Type', 'application/json', 'Set-Cookie', 'a=1; Path=/', 'x-csrf-token', 'Fetch', 'SET-COOKIE', 'b=2', 'Vary', 'Accept', 'vary', 'Origin', 'Location', '/wo/7'];
    const ours = new ResponseHeaders(raw);
    const theirs = new Headers();
    for (let i = 0; i < raw.length; i += 2) theirs.append(raw[i]!, raw[i + 1]!);
    for (const name of ['content-type', 'CONTENT-TYPE', 'set-cookie', 'X-CSRF-Token', 'vary', 'location', 'absent']) expect(ours.get(name)).toBe(theirs.get(name));
    expect(ours.getSetCookie()).toEqual(theirs.getSetCookie());
    expect(new ResponseHeaders().get('location')).toBeNull();
    expect(new ResponseHeaders().getSetCookie()).toEqual([]);
  });
});
