import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, OperationDefinitionNode } from 'graphql';
import { graphqlDuration, graphqlRequests } from './metrics';

/**
 * The operation label: the root fields the operation selects (`placeOrder`, `markets,me`), which
 * the schema bounds, unlike the client-chosen operation name; `-` when the request did not parse.
 */
export function operationLabel(operation: OperationDefinitionNode | undefined | null): string {
  if (!operation) return '-';
  const fields = operation.selectionSet.selections.map((selection) =>
    selection.kind === Kind.FIELD ? selection.name.value : selection.kind === Kind.FRAGMENT_SPREAD ? `...${selection.name.value}` : '...',
  );
  return [...new Set(fields)].sort().join(',').slice(0, 120);
}

/** Counts every GraphQL operation over HTTP by root fields and outcome code (`OK` or the first error's code) and times it. */
export function graphqlMetricsPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ response, operation }) {
          const body = response.body;
          const errors = body.kind === 'single' ? body.singleResult.errors : body.initialResult.errors;
          const code = errors?.length ? String(errors[0]!.extensions?.code ?? 'INTERNAL_SERVER_ERROR') : 'OK';
          const labels = { operation: operationLabel(operation), code };
          graphqlRequests.inc(labels);
          graphqlDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };
}
