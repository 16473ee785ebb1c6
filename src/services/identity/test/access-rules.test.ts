import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type IdentityHarness } from './harness.ts';
import { appCredToken, type SeededMember, seedMember } from './fixtures.ts';

const IPS_RULE = { path: '/v2.1/servers/*/ips', method: 'GET', service: 'compute' };

describe('identity: access rules', () => {
  let h: IdentityHarness;
  let alice: SeededMember;
  let bob: SeededMember;
  beforeAll(async () => {
    h = await startIdentity();
    alice = await seedMember(h);
    bob = await seedMember(h);
  });
  afterAll(async () => h.close());

  const rules = (m: SeededMember) => `/v3/users/${m.userId}/access_rules`;
  const createAppCred = (m: SeededMember, name: string, accessRules: unknown[]) =>
    h.request('POST', `/v3/users/${m.userId}/application_credentials`, {
      token: m.token,
      body: { application_credential: { name, access_rules: accessRules } },
    });

  it('creates rules with an application credential and shows them in its tokens', async () => {
    const res = await createAppCred(alice, 'ips-only', [IPS_RULE]);
    expect(res.status).toBe(201);
    const ac = res.body.application_credential;
    const { id, ...rest } = ac.access_rules[0];
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(rest).toEqual(IPS_RULE);
    const login = await appCredToken(h, ac.id, ac.secret);
    expect(login.reply.status).toBe(201);
    expect(login.reply.body.token.application_credential.access_rules).toEqual([
      { id, ...IPS_RULE },
    ]);
  });

  it('lists, shows and deletes a rule only once no credential uses it (tempest flow)', async () => {
    const ac = (await createAppCred(bob, 'rule-holder', [IPS_RULE])).body.application_credential;
    const ruleId = ac.access_rules[0].id;
    const list = await h.request('GET', rules(bob), { token: bob.token });
    expect(list.status).toBe(200);
    expect(list.body.access_rules).toHaveLength(1);
    expect(list.body.access_rules[0].links.self).toMatch(new RegExp(`/v3/access_rules/${ruleId}$`));
    const shown = await h.request('GET', `${rules(bob)}/${ruleId}`, { token: bob.token });
    expect(shown.status).toBe(200);
    expect(shown.body.access_rule).toMatchObject({ id: ruleId, ...IPS_RULE });

    const inUse = await h.request('DELETE', `${rules(bob)}/${ruleId}`, { token: bob.token });
    expect(inUse.status).toBe(403);
    expect(inUse.body.error.message).toContain('May not delete access rule in use');
    expect(
      (
        await h.request('DELETE', `/v3/users/${bob.userId}/application_credentials/${ac.id}`, {
          token: bob.token,
        })
      ).status,
    ).toBe(204);
    expect(
      (await h.request('GET', rules(bob), { token: bob.token })).body.access_rules,
    ).toHaveLength(1);
    expect(
      (await h.request('DELETE', `${rules(bob)}/${ruleId}`, { token: bob.token })).status,
    ).toBe(204);
    expect(
      (await h.request('GET', rules(bob), { token: bob.token })).body.access_rules,
    ).toHaveLength(0);
    expect((await h.request('GET', `${rules(bob)}/${ruleId}`, { token: bob.token })).status).toBe(
      404,
    );
  });

  it("reuses the user's rules by value and by id, never another user's", async () => {
    const first = (await createAppCred(alice, 'reuse-1', [{ ...IPS_RULE, path: '/v2.1/flavors' }]))
      .body.application_credential;
    const ruleId = first.access_rules[0].id;
    const byValue = (
      await createAppCred(alice, 'reuse-2', [{ ...IPS_RULE, path: '/v2.1/flavors' }])
    ).body.application_credential;
    expect(byValue.access_rules[0].id).toBe(ruleId);
    const byId = (await createAppCred(alice, 'reuse-3', [{ id: ruleId }])).body
      .application_credential;
    expect(byId.access_rules).toEqual([{ id: ruleId, ...IPS_RULE, path: '/v2.1/flavors' }]);

    const stolen = await createAppCred(bob, 'steal', [{ id: ruleId }]);
    expect(stolen.status).toBe(400);
    expect((await h.request('GET', `${rules(bob)}/${ruleId}`, { token: bob.token })).status).toBe(
      404,
    );
    expect((await h.request('GET', rules(alice), { token: bob.token })).status).toBe(403);
    const filtered = await h.request('GET', `${rules(alice)}?path=/v2.1/flavors`, {
      token: alice.token,
    });
    expect(filtered.body.access_rules.map((r: { id: string }) => r.id)).toEqual([ruleId]);
  });

  it('refuses malformed rules', async () => {
    expect(
      (await createAppCred(alice, 'bad-method', [{ ...IPS_RULE, method: 'FETCH' }])).status,
    ).toBe(400);
    expect(
      (await createAppCred(alice, 'bad-path', [{ ...IPS_RULE, path: 'servers' }])).status,
    ).toBe(400);
    expect((await createAppCred(alice, 'extra-key', [{ ...IPS_RULE, verb: 'GET' }])).status).toBe(
      400,
    );
    expect((await createAppCred(alice, 'incomplete', [{ service: 'compute' }])).status).toBe(400);
  });
});
