import type { DataSource, EntityManager } from 'typeorm';

/** What a unit of work may ask of its transaction besides the manager. */
export interface TransactionHooks {
  /**
   * Runs `hook` once the transaction committed (never after a rollback), before `run` resolves;
   * hooks run in the order registered. Events about the written rows are published here, so no
   * one hears of a change that was rolled back.
   */
  readonly afterCommit: (hook: () => unknown) => void;
}

/**
 * Opens every transaction of a service: the unit of work gets the transaction's manager
 * (repositories take it) and its after-commit hooks. `run` resolves with the work's answer once
 * the transaction committed and its hooks finished; a failing hook rejects `run`, the data stays
 * committed.
 */
export class TransactionRunner {
  constructor(private readonly dataSource: DataSource) {}

  async run<T>(work: (manager: EntityManager, hooks: TransactionHooks) => Promise<T>): Promise<T> {
    const pending: (() => unknown)[] = [];
    const hooks: TransactionHooks = { afterCommit: (hook) => void pending.push(hook) };
    const result = await this.dataSource.transaction((manager) => work(manager, hooks));
    for (const hook of pending) await hook();
    return result;
  }

  /**
   * Runs several reads against one snapshot of the database (a read-only REPEATABLE READ
   * transaction): an answer assembled from several queries never mixes rows from before and after
   * another transaction's commit.
   */
  async snapshot<T>(reads: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await manager.query('SET TRANSACTION READ ONLY');
      return reads(manager);
    });
  }
}
