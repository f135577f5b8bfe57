import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { createClient } from 'graphql-ws';
import { useMemo } from 'react';
import { wsUrl } from '../lib/client';
import { apiKey, bearer } from '../lib/session';

const FIRST_QUERY = `# The GraphQL API, with the key you signed in with.
# Press the run button (or Ctrl-Enter).
query Me {
  me {
    name
    role
  }
  sellableShare {
    globalPercent
  }
}
`;

/** GraphiQL from npm, bundled with its editor workers: no CDN, so it works offline. */
export default function ExplorerPage() {
  const fetcher = useMemo(() => {
    const headers = bearer(apiKey() ?? '');
    return createGraphiQLFetcher({
      url: '/graphql',
      headers,
      wsClient: createClient({ url: wsUrl(), connectionParams: headers, lazy: true }),
    });
  }, []);
  return (
    <div className="-mx-8 -my-7 h-screen">
      <GraphiQL
        fetcher={fetcher}
        defaultQuery={FIRST_QUERY}
        initialQuery={FIRST_QUERY}
        isHeadersEditorEnabled={false}
        shouldPersistHeaders={false}
      />
    </div>
  );
}
