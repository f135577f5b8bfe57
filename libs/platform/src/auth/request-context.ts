import { AuthPrincipal } from './principal';

/** The GraphQL context of one request or subscription. */
export interface RequestContext {
  principal: AuthPrincipal;
  requestId: string;
  /** Per-request memo for DataLoaders, keyed by loader name. */
  loaders: Map<string, unknown>;
}

export function loaderFor<L>(context: RequestContext, name: string, create: () => L): L {
  let loader = context.loaders.get(name) as L | undefined;
  if (!loader) {
    loader = create();
    context.loaders.set(name, loader);
  }
  return loader;
}
