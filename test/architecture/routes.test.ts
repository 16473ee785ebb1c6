import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declaredRules, type RouteSpec } from '../../src/core/http/index.ts';
import { personaPolicies } from '../../src/core/auth/index.ts';
import { allServices } from '../../src/cli/services.ts';
import { startIdentity, type IdentityHarness } from '../../src/services/identity/test/harness.ts';
import { identityRoutes } from '../../src/services/identity/api/index.ts';

// What DESIGN.md says every service must declare, checked over the real route tables.
describe('architecture: routes and policies', () => {
  let h: IdentityHarness;
  let routes: RouteSpec[];
  beforeAll(async () => {
    h = await startIdentity();
    routes = identityRoutes(h.env);
  });
  afterAll(async () => h?.close());

  it('every authenticated route names a registered policy rule', () => {
    const registered = new Set([...personaPolicies, ...allServices.flatMap((s) => s.policies)].map((p) => p.name));
    for (const r of routes) {
      const where = `${String(r.method)} ${r.url}`;
      if ((r.auth ?? 'required') === 'none') continue;
      const rules = declaredRules(r);
      expect(rules.length, `${where} has no policy`).toBeGreaterThan(0);
      for (const rule of rules) expect(registered.has(rule), `${where} uses unregistered rule ${rule}`).toBe(true);
    }
  });

  it('every POST and PATCH route validates its body with a schema', () => {
    for (const r of routes) {
      const methods = Array.isArray(r.method) ? r.method : [r.method];
      if (methods.some((m) => m === 'POST' || m === 'PATCH')) {
        expect(r.schema?.body, `${String(r.method)} ${r.url} has no body schema`).toBeDefined();
      }
    }
  });

  it('every default policy rule of a service is used by its routes or code', () => {
    const byRoutes = new Set(routes.flatMap((r) => declaredRules(r)));
    for (const service of allServices) {
      const dir = path.resolve(import.meta.dirname, '../../src/services', service.type);
      const sources = listTs(dir)
        .filter((f) => !f.endsWith('policies.ts') && !f.endsWith('.test.ts'))
        .map((f) => fs.readFileSync(f, 'utf8'))
        .join('\n');
      const policyText = fs.readFileSync(path.join(dir, 'policies.ts'), 'utf8');
      const unused = service.policies
        .map((p) => p.name)
        .filter((name) => name.includes(':'))
        .filter((name) => !byRoutes.has(name))
        .filter((name) => !sources.includes(`'${name}'`) && !policyText.includes(`rule:${name}`));
      expect(unused, `${service.type} rules with no route or check using them`).toEqual([]);
    }
  });

  it('every config option declares help', () => {
    for (const service of allServices) {
      for (const [key, spec] of Object.entries(service.config.options)) {
        expect(spec.help.trim().length, `${service.config.name}.${key}`).toBeGreaterThan(10);
      }
    }
  });
});

function listTs(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return listTs(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}
