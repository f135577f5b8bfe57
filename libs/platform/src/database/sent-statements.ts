/**
 * Statements sent on a transaction's connection without waiting for each one: node-postgres
 * queues them and Postgres runs them in order, while the caller goes on in Node (a match run
 * matches its next page while Postgres writes the last one). `settledAfter(work)` runs the work,
 * then waits for every statement it sent. When anything failed, it throws the failure that came
 * first: once one statement failed, every later one of the transaction only says that the
 * transaction is aborted, and the first failure is what `transactionWithRetry` must see.
 */
export class SentStatements {
  private readonly sent: Promise<unknown>[] = [];
  private firstFailure: { error: unknown } | undefined;

  /** Tracks a statement sent (or a read whose answer the caller awaits later), and answers it. */
  add<T>(statement: Promise<T>): Promise<T> {
    this.sent.push(statement);
    statement.catch((error: unknown) => {
      this.firstFailure ??= { error };
    });
    return statement;
  }

  async settledAfter(work: () => Promise<void>): Promise<void> {
    try {
      await work();
      await Promise.all(this.sent);
    } catch (error) {
      await Promise.allSettled(this.sent);
      throw this.firstFailure ? this.firstFailure.error : error;
    }
  }
}
