import { AuthPrincipal } from './principal';

/** The GraphQL context of one request or subscription. */
export interface RequestContext {
  principal: AuthPrincipal;
  requestId: string;
  /**
   * Per-request memo for DataLoaders, keyed by loader name; null for a subscription, whose
   * context lives as long as the subscription and must not serve one event's reads to the next.
   */
  loaders: Map<string, unknown> | null;
  /** Frees the request's in-flight slot of its key (HTTP requests; see RequestLimiter). */
  leave?: () => void;
}

export function loaderFor<L>(context: RequestContext, name: string, create: () => L): L {
  if (!context.loaders) return create();
  let loader = context.loaders.get(name) as L | undefined;
  if (!loader) {
    loader = create();
    context.loaders.set(name, loader);
  }
  return loader;
}
