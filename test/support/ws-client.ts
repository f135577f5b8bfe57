import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { GraphQLResponse } from './graphql-client';

/**
 * Runs one query or mutation over graphql-ws and answers like `postGraphQL`: the result's data and
 * errors, or the errors of an Error message (status 0: there is no HTTP status on a socket).
 */
export function wsGraphQL<T = Record<string, any>>(
  url: string,
  key: string,
  payload: { query: unknown; variables?: unknown; operationName?: unknown },
): Promise<GraphQLResponse<T>> {
  const client = createClient({
    url: `${url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${key}` },
    lazy: true,
    retryAttempts: 0,
  });
  return new Promise<GraphQLResponse<T>>((done, fail) => {
    let answer: GraphQLResponse<T> | undefined;
    client.subscribe<T>(payload as { query: string }, {
      next: (result) => (answer = { status: 0, data: result.data ?? undefined, errors: result.errors as GraphQLResponse['errors'] }),
      error: (error) => {
        if (Array.isArray(error)) done({ status: 0, errors: error });
        else fail(error instanceof Error ? error : new Error(`graphql-ws closed: ${JSON.stringify(error, ['code', 'reason'])}`));
      },
      complete: () => done(answer ?? { status: 0 }),
    });
  }).finally(() => client.dispose());
}
