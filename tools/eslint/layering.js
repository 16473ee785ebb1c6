// ESLint rule enforcing the import layers of DESIGN.md:
//   core/      imports only libraries and core/
//   services/X imports core/, its own files, and services/Y/client.ts
//   drivers/   imports core/ and the drivers.ts interface of a service (and, from its
//              tests, the service's driver contract suites test/*-contract.ts)
//   agents/, cli/ wire everything and may import anything under src/
import path from 'node:path';

const SRC = path.resolve(import.meta.dirname, '../../src');

/** Returns {layer, name, rest} for a file under src/, or null outside it. */
function locate(file) {
  const rel = path.relative(SRC, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const parts = rel.split(path.sep);
  const layer = parts[0];
  if (layer === 'services' || layer === 'drivers') {
    return { layer, name: parts[1], rest: parts.slice(2).join('/') };
  }
  return { layer, name: null, rest: parts.slice(1).join('/') };
}

function check(from, to, fromTest) {
  if (!to) return null; // not a project file: libraries are allowed everywhere
  switch (from.layer) {
    case 'core':
      return to.layer === 'core' ? null : `core/ may not import ${to.layer}/`;
    case 'services':
      if (to.layer === 'core') return null;
      if (to.layer === 'services') {
        if (to.name === from.name) return null;
        if (to.rest === 'client.ts' || to.rest === 'client.js') return null;
        return `services/${from.name} may only import services/${to.name}/client.ts, not its internals`;
      }
      return `services/ may not import ${to.layer}/`;
    case 'drivers':
      if (to.layer === 'core') return null;
      if (to.layer === 'drivers' && to.name === from.name) return null;
      if (to.layer === 'services' && /^drivers\.(ts|js)$/.test(to.rest)) return null;
      // the one suite every implementation of a port passes lives with the port's owner
      if (fromTest && to.layer === 'services' && /^test\/[a-z0-9-]+-contract\.(ts|js)$/.test(to.rest)) return null;
      return `drivers/ may import core/ and a service's drivers.ts only, not ${to.layer}/${to.name ?? ''}`;
    default:
      return null;
  }
}

export default {
  rules: {
    layering: {
      meta: { type: 'problem', schema: [], docs: { description: 'DESIGN.md import layers' } },
      create(context) {
        const file = context.filename ?? context.getFilename();
        const from = locate(file);
        if (!from) return {};
        const fromTest = /\.test\.(ts|js)$/.test(file);
        const visit = (node) => {
          const spec = node.source && node.source.value;
          if (typeof spec !== 'string' || !spec.startsWith('.')) return;
          const target = locate(path.resolve(path.dirname(file), spec));
          const problem = check(from, target, fromTest);
          if (problem) context.report({ node, message: problem });
        };
        return {
          ImportDeclaration: visit,
          ExportAllDeclaration: visit,
          ExportNamedDeclaration: visit,
          ImportExpression: visit,
        };
      },
    },
  },
};
