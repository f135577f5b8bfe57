import { lazy, Suspense, useMemo, type ComponentType } from 'react';
import { Provider, useQuery } from 'urql';
import { Brand } from './components/brand';
import { Loading } from './components/ui';
import { graphql } from './gql';
import type { Role } from './gql/graphql';
import { createApiClient } from './lib/client';
import { navigate, usePage } from './lib/router';
import { signOut, useApiKey } from './lib/session';
import { AuditPage } from './pages/AuditPage';
import { FinancePage } from './pages/FinancePage';
import { MarketsPage } from './pages/MarketsPage';
import { OrdersPage } from './pages/OrdersPage';
import { PartnersPage } from './pages/PartnersPage';
import { PoolPage } from './pages/PoolPage';
import { QueuesPage } from './pages/QueuesPage';
import { ReportsPage } from './pages/ReportsPage';
import { SignInPage } from './pages/SignInPage';

const ExplorerPage = lazy(() => import('./pages/ExplorerPage'));

export interface Me {
  id: string;
  name: string;
  role: Role;
  partner?: { id: string; name: string } | null;
}

interface PageDef {
  path: string;
  label: string;
  roles: Role[];
  component: ComponentType<{ me: Me }>;
}

/** Every page and who may see it; the menu shows only the pages of the key's role. */
export const PAGES: PageDef[] = [
  { path: 'pool', label: 'Pool', roles: ['ADMIN', 'OPERATOR'], component: PoolPage },
  { path: 'markets', label: 'Markets', roles: ['ADMIN', 'OPERATOR', 'FINANCE'], component: MarketsPage },
  { path: 'orders', label: 'Orders', roles: ['ADMIN', 'OPERATOR', 'FINANCE', 'PARTNER'], component: OrdersPage },
  { path: 'partners', label: 'Partners', roles: ['ADMIN', 'OPERATOR'], component: PartnersPage },
  { path: 'finance', label: 'Finance', roles: ['ADMIN', 'FINANCE'], component: FinancePage },
  { path: 'reports', label: 'Reports', roles: ['ADMIN', 'FINANCE'], component: ReportsPage },
  { path: 'audit', label: 'Audit', roles: ['ADMIN'], component: AuditPage },
  { path: 'queues', label: 'Queues', roles: ['ADMIN', 'OPERATOR', 'FINANCE'], component: QueuesPage },
  { path: 'explorer', label: 'Explorer', roles: ['ADMIN', 'OPERATOR', 'FINANCE'], component: ExplorerPage },
];

const MeQuery = graphql(`
  query Me {
    me {
      id
      name
      role
      partner {
        id
        name
      }
    }
  }
`);

export function App() {
  const key = useApiKey();
  const client = useMemo(() => (key ? createApiClient(key) : null), [key]);
  if (!key || !client) return <SignInPage />;
  return (
    <Provider value={client}>
      <Shell />
    </Provider>
  );
}

const ROLE_TONES: Record<Role, string> = {
  ADMIN: 'bg-rose-500/15 text-rose-200',
  OPERATOR: 'bg-sky-500/15 text-sky-200',
  FINANCE: 'bg-emerald-500/15 text-emerald-200',
  PARTNER: 'bg-amber-500/15 text-amber-200',
};

function Shell() {
  const [{ data, error }] = useQuery({ query: MeQuery });
  const page = usePage();
  if (error) {
    signOut();
    return null;
  }
  if (!data) return <Loading what="Signing in" />;
  const me = data.me;
  const pages = PAGES.filter((p) => p.roles.includes(me.role));
  const current = pages.find((p) => p.path === page) ?? pages[0];
  const Page = current.component;
  return (
    <div className="flex min-h-screen">
      <aside className="w-60 shrink-0 bg-slate-900 text-slate-300">
        <div className="sticky top-0 flex h-screen flex-col">
          <Brand subtitle={me.role === 'PARTNER' ? 'Partner portal' : 'Operations console'} />
          <nav aria-label="Main" className="flex-1 space-y-0.5 px-3">
            {pages.map((p) => (
              <a
                key={p.path}
                href={`/console/${p.path}`}
                aria-current={p === current ? 'page' : undefined}
                onClick={(event) => {
                  event.preventDefault();
                  navigate(p.path);
                }}
                className={`block rounded-md px-3 py-2 text-sm font-medium ${p === current ? 'bg-slate-800 text-white' : 'hover:bg-slate-800/60 hover:text-white'}`}
              >
                {p.label}
              </a>
            ))}
          </nav>
          <div className="border-t border-slate-800 px-5 py-4">
            <div className="truncate text-sm font-medium text-white" title={me.name}>
              {me.partner?.name ?? me.name}
            </div>
            <div className="mt-1 flex items-center justify-between">
              <span className={`rounded px-1.5 py-0.5 text-xs font-semibold ${ROLE_TONES[me.role]}`}>{me.role}</span>
              <button type="button" onClick={signOut} className="text-xs font-medium text-slate-400 hover:text-white">
                Sign out
              </button>
            </div>
          </div>
        </div>
      </aside>
      <main className="min-w-0 flex-1 px-8 py-7">
        <Suspense fallback={<Loading />}>
          <Page key={current.path} me={me} />
        </Suspense>
      </main>
    </div>
  );
}
