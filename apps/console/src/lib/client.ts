import { createClient as createWsClient } from 'graphql-ws';
import { cacheExchange, Client, fetchExchange, subscriptionExchange } from 'urql';
import { bearer } from './session';

const GRAPHQL_PATH = '/graphql';
/** graphql-ws close code for a key the api refuses: retrying cannot help. */
const FORBIDDEN_CLOSE = 4403;

export const wsUrl = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${GRAPHQL_PATH}`;

/** An urql client that sends the key on every HTTP request and on the graphql-ws connection. */
export function createApiClient(key: string): Client {
  const ws = createWsClient({
    url: wsUrl(),
    connectionParams: bearer(key),
    lazy: true,
    retryAttempts: 20,
    shouldRetry: (event) => !(event instanceof CloseEvent && event.code === FORBIDDEN_CLOSE),
  });
  return new Client({
    url: GRAPHQL_PATH,
    preferGetMethod: false,
    fetchOptions: () => ({ headers: bearer(key) }),
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
}
