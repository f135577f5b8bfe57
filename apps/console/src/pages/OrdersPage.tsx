import { useSubscription } from 'urql';
import type { Me } from '../App';
import { PartnerSelect, SelectField } from '../components/fields';
import { FilterBar } from '../components/forms';
import { Table } from '../components/table';
import { Card, CardNote, Loading, PageHeader, Stat, StatusBadge } from '../components/ui';
import { graphql } from '../gql';
import type { OrderEventsSubscription, OrderStatus } from '../gql/graphql';
import { marketName, money, shortDateTime, time, units } from '../lib/format';
import { nodes, usePolling, useReloadableQuery } from '../lib/query';
import { useFields } from '../lib/use-form';

const OrdersDoc = graphql(`
  query Orders($filter: OrderFilter, $fillFilter: FillFilter) {
    orders(first: 50, filter: $filter) {
      totalCount
      edges {
        node {
          id
          clientOrderId
          skuCode
          regionCode
          quantity
          filledQuantity
          limitPrice
          averageFillPrice
          timeInForce
          status
          statusReason
          createdAt
          partner {
            id
            name
          }
        }
      }
    }
    fills(first: 50, filter: $fillFilter) {
      totalCount
      edges {
        node {
          id
          orderId
          skuCode
          regionCode
          quantity
          price
          amount
          executedAt
          settlement {
            grossAmount
            settledAt
          }
        }
      }
    }
    partners {
      id
      name
      creditLimit
      creditUsed
      creditAvailable
    }
    skus {
      code
    }
    regions {
      code
    }
  }
`);

const OrderEventsDoc = graphql(`
  subscription OrderEvents {
    orderEvents {
      type
      at
      order {
        id
        clientOrderId
        skuCode
        regionCode
        quantity
        filledQuantity
        status
        partner {
          name
        }
      }
      fill {
        quantity
        price
      }
    }
  }
`);

const STATUSES: OrderStatus[] = ['OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'EXPIRED'];
type LiveEvent = OrderEventsSubscription['orderEvents'];

export function OrdersPage({ me }: { me: Me }) {
  const partnerView = me.role === 'PARTNER';
  const filters = useFields({ partnerId: '', skuCode: '', regionCode: '', status: '' });
  const filter = filters.values;
  const orderFilter = {
    partnerId: filter.partnerId || null,
    skuCode: filter.skuCode || null,
    regionCode: filter.regionCode || null,
    status: filter.status ? [filter.status as OrderStatus] : null,
  };
  const fillFilter = { partnerId: orderFilter.partnerId, skuCode: orderFilter.skuCode, regionCode: orderFilter.regionCode };
  const [{ data }, reload] = useReloadableQuery({ query: OrdersDoc, variables: { filter: orderFilter, fillFilter } });
  usePolling(reload, 5000);
  const credit = partnerView ? data?.partners[0] : undefined;

  return (
    <>
      <PageHeader
        title={partnerView ? 'My orders' : 'Orders'}
        description={
          partnerView
            ? `Orders, fills and credit of ${me.partner?.name ?? me.name}.`
            : "Every partner's orders and fills, and order events as they happen."
        }
      />
      {credit && (
        <div className="mb-6 grid grid-cols-3 gap-4">
          <Stat label="Credit limit" value={money(credit.creditLimit)} hint="CNY" />
          <Stat label="Credit used" value={money(credit.creditUsed)} hint="open-order holds + unpaid receivables" tone="amber" />
          <Stat label="Credit available" value={money(credit.creditAvailable)} tone="emerald" />
        </div>
      )}
      <div className="grid gap-6 xl:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="min-w-0 space-y-6">
          <Card title="Orders" actions={data && <CardNote>{units(data.orders.totalCount)} matching</CardNote>}>
            <FilterBar label="Order filters" className="mb-4 grid grid-cols-2 gap-3 md:grid-cols-4">
              {!partnerView && (
                <PartnerSelect label="Partner" placeholder="All partners" partners={data?.partners ?? []} {...filters.field('partnerId')} />
              )}
              <SelectField
                label="SKU filter"
                placeholder="All SKUs"
                options={(data?.skus ?? []).map((s) => s.code)}
                {...filters.field('skuCode')}
              />
              <SelectField
                label="Region filter"
                placeholder="All regions"
                options={(data?.regions ?? []).map((r) => r.code)}
                {...filters.field('regionCode')}
              />
              <SelectField label="Status" placeholder="Any status" options={STATUSES} {...filters.field('status')} />
            </FilterBar>
            {data ? (
              <Table
                label="Orders"
                rows={nodes(data.orders)}
                rowKey={(o) => o.id}
                empty="No orders match."
                columns={[
                  { header: 'Placed', cell: (o) => shortDateTime(o.createdAt) },
                  ...(partnerView ? [] : [{ header: 'Partner', cell: (o: { partner: { name: string } }) => o.partner.name }]),
                  { header: 'Client order id', cell: (o) => <span className="font-mono text-xs">{o.clientOrderId}</span> },
                  { header: 'Market', cell: (o) => marketName(o.skuCode, o.regionCode) },
                  { header: 'Filled', align: 'right', cell: (o) => `${units(o.filledQuantity)} / ${units(o.quantity)}` },
                  { header: 'Limit', align: 'right', cell: (o) => money(o.limitPrice) },
                  { header: 'Avg fill', align: 'right', cell: (o) => money(o.averageFillPrice) },
                  {
                    header: 'Status',
                    cell: (o) => (
                      <span title={o.statusReason ?? undefined}>
                        <StatusBadge status={o.status} />
                      </span>
                    ),
                  },
                ]}
              />
            ) : (
              <Loading />
            )}
          </Card>
          <Card title="Fills">
            {data && (
              <Table
                label="Fills"
                rows={nodes(data.fills)}
                rowKey={(f) => f.id}
                empty="No fills yet."
                columns={[
                  { header: 'Executed', cell: (f) => shortDateTime(f.executedAt) },
                  { header: 'Market', cell: (f) => marketName(f.skuCode, f.regionCode) },
                  { header: 'Units', align: 'right', cell: (f) => units(f.quantity) },
                  { header: 'Price', align: 'right', cell: (f) => money(f.price) },
                  { header: 'Net', align: 'right', cell: (f) => money(f.amount) },
                  {
                    header: 'Gross (settled)',
                    align: 'right',
                    cell: (f) => (f.settlement ? money(f.settlement.grossAmount) : <span className="text-slate-400">pending</span>),
                  },
                ]}
              />
            )}
          </Card>
        </div>
        <LiveOrders />
      </div>
    </>
  );
}

/** Order events over graphql-ws, newest first (a partner gets its own, staff every partner's). */
function LiveOrders() {
  const [{ data: events = [], error }] = useSubscription<LiveEvent, LiveEvent[]>({ query: OrderEventsDoc }, (previous = [], event) =>
    [(event as unknown as OrderEventsSubscription).orderEvents, ...previous].slice(0, 100),
  );
  return (
    <Card
      title="Live orders"
      actions={
        <span className="flex items-center gap-1.5 text-xs text-slate-500">
          <span className={`h-2 w-2 rounded-full ${error ? 'bg-rose-500' : 'animate-pulse bg-emerald-500'}`} />
          {error ? 'disconnected' : 'live'}
        </span>
      }
    >
      <ol aria-label="Live orders" className="max-h-[640px] space-y-2 overflow-y-auto">
        {events.length === 0 && <li className="py-6 text-center text-sm text-slate-400">Waiting for order events…</li>}
        {events.map((e, i) => (
          <li key={`${e.order.id}-${e.type}-${e.at}-${i}`} className="rounded-lg border border-slate-100 px-3 py-2 text-sm">
            <div className="flex items-center justify-between gap-2">
              <span className="font-mono text-xs font-medium">{e.order.clientOrderId}</span>
              <StatusBadge status={e.type} />
            </div>
            <div className="mt-1 flex justify-between text-xs text-slate-500">
              <span>
                {e.order.partner.name} · {marketName(e.order.skuCode, e.order.regionCode)} · {units(e.order.filledQuantity)}/
                {units(e.order.quantity)}
                {e.fill && ` · ${units(e.fill.quantity)} @ ${money(e.fill.price)}`}
              </span>
              <span>{time(e.at)}</span>
            </div>
          </li>
        ))}
      </ol>
    </Card>
  );
}
