import {
  DeleteQueryNode,
  InsertQueryNode,
  UpdateQueryNode,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import type { IdentityTables } from './tables.ts';

export type IdentityDb = Kysely<IdentityTables>;

/**
 * Counts writes to the identity tables. Token validation caches what it read (user,
 * project, roles, catalog) against this counter, so any change made through this process
 * invalidates every cached validation at once without each write path having to remember.
 */
export class WriteGeneration implements KyselyPlugin {
  private value = 0;

  get current(): number {
    return this.value;
  }

  bump(): void {
    this.value++;
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    if (InsertQueryNode.is(node) || UpdateQueryNode.is(node) || DeleteQueryNode.is(node)) this.bump();
    return node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    // Bump again once the write is done: a validation that read between the first bump and
    // the commit must not stay cached as if it saw the new state.
    if (args.result.numAffectedRows !== undefined) this.bump();
    return args.result;
  }
}
