import { describe, expect, it } from 'vitest';
import { BrokerAccess, isRefused, type Identity } from '../../../src/sources/mqtt/broker-access.js';
import { hashPassword, verifyPassword } from '../../../src/sources/mqtt/passwords.js';
import { aclAllows, compileAcl } from '../../../src/sources/mqtt/topic-acl.js';

describe('broker passwords (scrypt)', () => {
  it('verifies the password a hash was made from, and nothing else', async () => {
    const h = await hashPassword('s3cret', { N: 1024, r: 8, p: 1 });
    expect(h).toMatch(/^\$scrypt\$N=1024,r=8,p=1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    expect(await verifyPassword('s3cret', h)).toBe(true);
    expect(await verifyPassword('s3creT', h)).toBe(false);
    expect(await verifyPassword('s3cret', 'plain-text')).toBe(false);
    // Salted: the same password hashes differently.
    expect(await hashPassword('s3cret', { N: 1024, r: 8, p: 1 })).not.toBe(h);
  });
});

describe('topic ACL patterns', () => {
  const acl = (patterns: string[], client = 'p-101', user?: string) => compileAcl(patterns, client, user);

  it('matches topics and covers filters like MQTT filters do', () => {
    const a = acl(['plant/{client}/#', 'cmd/+/{client}']);
    expect(aclAllows(a, 'plant/p-101/temp')).toBe(true);
    expect(aclAllows(a, 'plant/p-101')).toBe(true); // `#` includes the parent level [MQTT-4.7.1-2]
    expect(aclAllows(a, 'plant/p-102/temp')).toBe(false);
    expect(aclAllows(a, 'cmd/x/p-101')).toBe(true);
    expect(aclAllows(a, 'cmd/x/y/p-101')).toBe(false);
    // As subscription filters: only filters every match of which is allowed.
    expect(aclAllows(a, 'plant/p-101/+')).toBe(true);
    expect(aclAllows(a, 'plant/#')).toBe(false);
    expect(aclAllows(a, '#')).toBe(false);
    expect(aclAllows(a, 'cmd/#')).toBe(false);
    expect(aclAllows(acl(['#']), '#')).toBe(true);
    expect(aclAllows(acl(['+/+']), 'a/#')).toBe(false);
  });

  it('keeps `$` topics out of leading wildcards [MQTT-4.7.2-1]', () => {
    expect(aclAllows(acl(['#']), '$SYS/broker/load')).toBe(false);
    expect(aclAllows(acl(['+/broker/#']), '$SYS/broker/load')).toBe(false);
    expect(aclAllows(acl(['$SYS/#']), '$SYS/broker/load')).toBe(true);
  });

  it('drops a pattern whose placeholder value would widen it', () => {
    for (const id of ['#', 'a/b', '+', '']) expect(aclAllows(acl(['plant/{client}/t'], id), `plant/${id}/t`), id).toBe(false);
    expect(aclAllows(acl(['plant/{username}/#'], 'c', undefined), 'plant//x')).toBe(false);
    expect(aclAllows(acl(['plant/{username}/#'], 'c', 'op'), 'plant/op/x')).toBe(true);
  });
});

describe('broker authentication', () => {
  const users = async () => [
    { username: 'p-101', passwordHash: await hashPassword('pump', { N: 1024, r: 8, p: 1 }), publish: ['plant/{username}/#'], subscribe: [] },
    { username: 'dashboard', passwordHash: await hashPassword('dash', { N: 1024, r: 8, p: 1 }), publish: [], subscribe: ['plant/#'] },
    { username: 'plc-7', publish: ['plant/plc-7/#'], subscribe: [] }, // certificate only
  ];
  const creds = (o: { username?: string; password?: string; cn?: string; clientId?: string }) => ({
    clientId: o.clientId ?? 'c1',
    username: o.username,
    password: o.password === undefined ? undefined : Buffer.from(o.password),
    certificateName: o.cn,
  });

  it('signs users in by password or certificate, anonymous only when allowed', async () => {
    const access = new BrokerAccess({ allowAnonymous: false, anonymous: { publish: ['#'], subscribe: ['#'] }, users: await users() });
    const pump = (await access.authenticate(creds({ username: 'p-101', password: 'pump' }))) as Identity;
    expect(isRefused(pump)).toBe(false);
    expect(access.canPublish(pump, 'plant/p-101/temp')).toBe(true);
    expect(access.canPublish(pump, 'plant/p-102/temp')).toBe(false);
    expect(access.canSubscribe(pump, '#')).toBe(false);
    const dash = (await access.authenticate(creds({ username: 'dashboard', password: 'dash' }))) as Identity;
    expect(access.canSubscribe(dash, 'plant/+/temp')).toBe(true);
    expect(access.canSubscribe(dash, '#')).toBe(false);
    expect(await access.authenticate(creds({ username: 'p-101', password: 'wrong' }))).toEqual({ code: 4, reason: 'bad user name or password' });
    expect(await access.authenticate(creds({ username: 'nobody', password: 'pump' }))).toEqual({ code: 4, reason: 'bad user name or password' });
    expect(await access.authenticate(creds({ username: 'p-101' }))).toEqual({ code: 4, reason: 'bad user name or password' });
    // A certificate-only user: no password works; its verified certificate does.
    expect(await access.authenticate(creds({ username: 'plc-7', password: '' }))).toMatchObject({ code: 4 });
    const plc = (await access.authenticate(creds({ cn: 'plc-7' }))) as Identity;
    expect(access.canPublish(plc, 'plant/plc-7/x')).toBe(true);
    // A certificate naming one user does not sign in as another.
    expect(await access.authenticate(creds({ cn: 'plc-7', username: 'dashboard' }))).toMatchObject({ code: 4 });
    expect(await access.authenticate(creds({}))).toEqual({ code: 5, reason: 'anonymous access is off' });
    const open = new BrokerAccess({ allowAnonymous: true, anonymous: { publish: ['plant/{client}/#'], subscribe: [] }, users: [] });
    const anon = (await open.authenticate(creds({ clientId: 's-9' }))) as Identity;
    expect(access.canPublish(anon, 'plant/s-9/t')).toBe(true);
    expect(access.canPublish(anon, 'plant/s-8/t')).toBe(false);
  });
});
