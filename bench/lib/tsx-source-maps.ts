import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceMap, type SourceMapPayload } from 'node:module';
import type { SourceLocator } from './cpu-profile-summary.ts';

/**
 * Source maps of the TypeScript files tsx transpiled, read from tsx's on-disk cache
 * (`$TMPDIR/tsx-<uid>/`, JSON entries `{ code, map }`, one per file path and content). tsx
 * emits whitespace-minified code, so profile positions are meaningless without them. This
 * leans on tsx's cache layout, which is not a public API: when it changes or the cache was
 * cleared, positions stay those of the transpiled code.
 */
export function tsxCacheLocator(
  cacheDir = path.join(os.tmpdir(), `tsx-${process.getuid?.() ?? 0}`),
): SourceLocator {
  const maps = new Map<string, SourceMap>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(cacheDir);
  } catch {
    // no cache: nothing to map
  }
  for (const name of entries) {
    try {
      const entry = JSON.parse(fs.readFileSync(path.join(cacheDir, name), 'utf8')) as {
        map?: SourceMapPayload | string;
      };
      const payload =
        typeof entry.map === 'string' ? (JSON.parse(entry.map) as SourceMapPayload) : entry.map;
      const source = payload?.sources?.[0];
      if (payload && source) maps.set(path.resolve(source), new SourceMap(payload));
    } catch {
      // not a transform entry
    }
  }
  return (url, line0, column0) => {
    if (!url.startsWith('file:')) return undefined;
    const file = fileURLToPath(url);
    const map = maps.get(file);
    if (!map) return undefined;
    const entry = map.findEntry(line0, column0) as { originalLine?: number };
    if (typeof entry.originalLine !== 'number') return undefined;
    return { url, line: entry.originalLine + 1 };
  };
}
