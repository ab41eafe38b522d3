import { describe, expect, it } from 'vitest';
import { REDACTED, redactText, redactUrl, redactValue, registerSecret } from '../../../src/core/redact.js';

describe('redactUrl', () => {
  it('masks the password of a URL and keeps the rest', () => {
    expect(redactUrl('http://alice:s3cret@cmms.local:8080/hook?x=1')).toBe('http://alice:***@cmms.local:8080/hook?x=1');
    expect(redactUrl('mqtts://TOKEN123@broker:8883')).toBe('mqtts://***@broker:8883');
    expect(redactUrl('https://cmms.local/api')).toBe('https://cmms.local/api');
  });

  it('masks every URL inside a text, and leaves e-mail addresses alone', () => {
    const t = redactText('webhook http://u:p%40ss@a/h failed; mqtt://x:y@b:1883 too; write to ops@plant.example');
    expect(t).toBe('webhook http://u:***@a/h failed; mqtt://x:***@b:1883 too; write to ops@plant.example');
  });
});

describe('registered secrets', () => {
  it('are replaced wherever they appear, also percent-encoded and JSON-escaped', () => {
    registerSecret('pa"ss/w0rd!');
    expect(redactText('login with pa"ss/w0rd! failed')).toBe(`login with ${REDACTED} failed`);
    expect(redactText(`url ?p=${encodeURIComponent('pa"ss/w0rd!')}`)).toBe(`url ?p=${REDACTED}`);
    expect(redactText(JSON.stringify({ p: 'pa"ss/w0rd!' }))).toBe(`{"p":"${REDACTED}"}`);
  });

  it('a longer secret that contains a shorter one is masked whole', () => {
    registerSecret('abcd');
    registerSecret('xxabcdxx');
    expect(redactText('[xxabcdxx]')).toBe(`[${REDACTED}]`);
  });

  it('short values are not masked in free text (they would garble every line)', () => {
    registerSecret('abc');
    expect(redactText('abc')).toBe('abc');
  });

  it('redactValue walks objects, arrays and errors', () => {
    registerSecret('tok-1234567');
    const v = redactValue({ a: ['x tok-1234567'], e: new Error('bad tok-1234567'), n: 1, deep: { url: 'http://u:pw@h' } });
    expect(v).toEqual({ a: [`x ${REDACTED}`], e: { name: 'Error', message: `bad ${REDACTED}` }, n: 1, deep: { url: 'http://u:***@h' } });
  });
});
