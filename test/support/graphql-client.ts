import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; [key: string]: unknown }; path?: (string | number)[] }[];
}

/** A typed document from test/support/graphql, or raw text (for documents that must reach the server as written). */
export type Operation<T = any, V = any> = TypedDocumentNode<T, V> | string;

/** The text of an operation, as a client sends it. */
export function textOf(operation: Operation): string {
  if (typeof operation === 'string') return operation;
  let text = printed.get(operation);
  if (text === undefined) printed.set(operation, (text = print(operation)));
  return text;
}
const printed = new WeakMap<TypedDocumentNode, string>();

/** POSTs one GraphQL operation as JSON, as a client would. */
export async function postGraphQL<T = Record<string, any>, V = Record<string, unknown>>(
  url: string,
  key: string | undefined,
  operation: Operation<T, V>,
  variables?: V,
): Promise<GraphQLResponse<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  const body = JSON.stringify({ query: textOf(operation), variables });
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers, body });
  const answer = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: response.status, ...answer };
}

/** The data of a response; throws with the operation and its errors when it has any. */
export function dataOf<T>(response: GraphQLResponse<T>, operation: Operation): T {
  if (response.errors) throw new Error(`${textOf(operation).slice(0, 60)}… failed: ${JSON.stringify(response.errors)}`);
  return response.data!;
}

/** GraphQL against one api that throws on errors (set-up steps that must succeed). */
export type Gql = <T = Record<string, any>, V = Record<string, unknown>>(
  key: string,
  operation: Operation<T, V>,
  variables?: V,
) => Promise<T>;

export const okClient =
  (url: string): Gql =>
  async (key, operation, variables) =>
    dataOf(await postGraphQL(url, key, operation, variables), operation);

/** The codes of a response's errors, in order. */
export const codesOf = (response: GraphQLResponse) => (response.errors ?? []).map((e) => e.extensions?.code);
