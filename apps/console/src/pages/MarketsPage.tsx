import { useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { Chart, type ChartOption } from '../components/chart';
import { SelectField } from '../components/fields';
import { Table } from '../components/table';
import { Card, Loading, PageHeader, Stat } from '../components/ui';
import { graphql } from '../gql';
import { marketName, money, plot, time, units } from '../lib/format';
import { nodes, usePolling, useReloadableQuery } from '../lib/query';

const MarketListDoc = graphql(`
  query MarketList {
    markets {
      id
      askPrice
      availableUnits
      sku {
        code
      }
      region {
        code
      }
    }
  }
`);

const MarketDepthDoc = graphql(`
  query MarketDepth($skuCode: String!, $regionCode: String!) {
    orderBook(skuCode: $skuCode, regionCode: $regionCode) {
      askPrice
      availableUnits
      bids {
        price
        quantity
        orders
      }
    }
    fills(first: 40, filter: { skuCode: $skuCode, regionCode: $regionCode }) {
      edges {
        node {
          id
          quantity
          price
          amount
          executedAt
        }
      }
    }
  }
`);

export function MarketsPage() {
  const [{ data: list }] = useQuery({ query: MarketListDoc });
  const [selected, setSelected] = useState('');
  const market = list?.markets.find((m) => m.id === selected) ?? list?.markets[0];
  if (!list) return <Loading />;
  return (
    <>
      <PageHeader
        title="Markets"
        description="The order book of each SKU × region and its fills, refreshed every two seconds."
        actions={
          <div className="w-72">
            <SelectField
              label="Market"
              value={market?.id ?? ''}
              onChange={setSelected}
              options={list.markets.map((m) => ({ value: m.id, label: marketName(m.sku.code, m.region.code) }))}
            />
          </div>
        }
      />
      {market ? <MarketDetail key={market.id} skuCode={market.sku.code} regionCode={market.region.code} /> : <p>No markets yet.</p>}
    </>
  );
}

function MarketDetail({ skuCode, regionCode }: { skuCode: string; regionCode: string }) {
  const [{ data }, reload] = useReloadableQuery({ query: MarketDepthDoc, variables: { skuCode, regionCode } });
  usePolling(reload, 2000);
  const option = useMemo<ChartOption>(() => {
    const bids = data?.orderBook.bids ?? [];
    const ask = data?.orderBook.askPrice;
    // Bid depth: units wanted at or above each price, stepping down from the best bid.
    const depth: [number, number][] = [];
    let cumulative = 0;
    for (const level of bids) {
      depth.push([plot(level.price), cumulative]);
      cumulative += level.quantity;
      depth.push([plot(level.price), cumulative]);
    }
    if (bids.length > 0) depth.push([plot(bids.at(-1)!.price) * 0.97, cumulative]);
    return {
      grid: { left: 70, right: 30, top: 30, bottom: 40 },
      tooltip: { trigger: 'axis', renderMode: 'richText' },
      xAxis: {
        type: 'value',
        name: 'price (CNY)',
        scale: true,
        // Keep the ask in view beside the bids.
        max: (range: { max: number }) => Math.max(range.max, ask ? plot(ask) * 1.01 : range.max),
      },
      yAxis: { type: 'value', name: 'cumulative units' },
      series: [
        {
          name: 'Bids',
          type: 'line',
          data: depth,
          areaStyle: { opacity: 0.25 },
          symbol: 'none',
          lineStyle: { width: 2 },
          markLine: ask
            ? {
                symbol: 'none',
                label: { formatter: `ask ${money(ask)}` },
                lineStyle: { color: '#f43f5e', type: 'dashed' },
                data: [{ xAxis: plot(ask) }],
              }
            : undefined,
        },
      ],
    };
  }, [data]);
  if (!data) return <Loading />;
  const book = data.orderBook;
  const fills = nodes(data.fills);
  return (
    <>
      <div className="mb-6 grid grid-cols-2 gap-4 lg:grid-cols-4">
        <Stat label="Ask price" value={book.askPrice ? money(book.askPrice) : 'not offered'} hint="CNY per GPU" />
        <Stat label="Available" value={units(book.availableUnits)} tone="emerald" />
        <Stat label="Best bid" value={book.bids[0] ? money(book.bids[0].price) : '—'} tone="indigo" />
        <Stat
          label="Resting bids"
          value={units(book.bids.reduce((n, b) => n + b.quantity, 0))}
          hint={`${book.bids.reduce((n, b) => n + b.orders, 0)} orders`}
        />
      </div>
      <div className="grid gap-6 xl:grid-cols-3">
        <Card title="Order book depth" className="xl:col-span-2">
          <Chart label={`Order book depth of ${marketName(skuCode, regionCode)}`} option={option} height={320} />
          <Table
            label="Bids by price"
            rows={book.bids}
            rowKey={(b) => b.price}
            empty="No resting bids."
            columns={[
              { header: 'Price', align: 'right', cell: (b) => money(b.price) },
              { header: 'Units', align: 'right', cell: (b) => units(b.quantity) },
              { header: 'Orders', align: 'right', cell: (b) => b.orders },
            ]}
          />
        </Card>
        <Card title="Fills tape">
          <Table
            label="Fills tape"
            rows={fills}
            rowKey={(f) => f.id}
            empty="No fills yet."
            columns={[
              { header: 'Time', cell: (f) => time(f.executedAt) },
              { header: 'Units', align: 'right', cell: (f) => units(f.quantity) },
              { header: 'Price', align: 'right', cell: (f) => money(f.price) },
            ]}
          />
        </Card>
      </div>
    </>
  );
}
