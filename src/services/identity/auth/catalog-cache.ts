import type { IdentityDb, WriteGeneration } from '../store/db.ts';
import { buildCatalog, type CatalogService } from '../store/catalog.ts';

/**
 * The token catalog, remembered per (project, user) until the identity store changes. Every
 * token issue and validate shows a catalog; without this each one costs four queries for
 * data that changes a few times a year.
 */
export class CatalogCache {
  private readonly entries = new Map<string, { generation: number; catalog: CatalogService[] }>();

  constructor(
    private readonly db: IdentityDb,
    private readonly generation: WriteGeneration,
    private readonly maxEntries = 10_000,
  ) {}

  async get(projectId: string | undefined, userId: string): Promise<CatalogService[]> {
    const key = `${projectId ?? ''}|${userId}`;
    const hit = this.entries.get(key);
    if (hit && hit.generation === this.generation.current) return hit.catalog;
    const generation = this.generation.current;
    const catalog = await buildCatalog(this.db, projectId, userId);
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { generation, catalog });
    return catalog;
  }
}
