import { useMemo } from 'react';
import { Chart, type ChartOption } from '../components/chart';
import { Table } from '../components/table';
import { Badge, Card, Loading, PageHeader, Stat } from '../components/ui';
import { graphql } from '../gql';
import { units } from '../lib/format';
import { usePolling, useReloadableQuery } from '../lib/query';

const QueuesDoc = graphql(`
  query Queues {
    queueCounts {
      name
      waiting
      active
      delayed
      failed
      completed
      paused
    }
  }
`);

export function QueuesPage() {
  const [{ data }, reload] = useReloadableQuery({ query: QueuesDoc });
  usePolling(reload, 2000);
  const option = useMemo<ChartOption>(() => {
    const queues = data?.queueCounts ?? [];
    const bar = (name: string, pick: (q: (typeof queues)[number]) => number) => ({
      name,
      type: 'bar',
      stack: 'jobs',
      data: queues.map(pick),
    });
    return {
      legend: { top: 0 },
      grid: { left: 90, right: 20, top: 36, bottom: 24 },
      yAxis: { type: 'category', data: queues.map((q) => q.name) },
      xAxis: { type: 'value', name: 'jobs' },
      series: [
        bar('Waiting', (q) => q.waiting),
        bar('Active', (q) => q.active),
        bar('Delayed', (q) => q.delayed),
        bar('Failed', (q) => q.failed),
      ],
    };
  }, [data]);
  if (!data) return <Loading />;
  const queues = data.queueCounts;
  const sum = (pick: (q: (typeof queues)[number]) => number) => queues.reduce((n, q) => n + pick(q), 0);
  return (
    <>
      <PageHeader
        title="Queues"
        description="BullMQ jobs by state, refreshed every two seconds. Postgres stays the source of truth; the sweep rebuilds lost work."
      />
      <div className="mb-6 grid grid-cols-2 gap-4 xl:grid-cols-4">
        <Stat label="Waiting" value={units(sum((q) => q.waiting))} />
        <Stat label="Active" value={units(sum((q) => q.active))} tone="indigo" />
        <Stat label="Failed" value={units(sum((q) => q.failed))} tone={sum((q) => q.failed) > 0 ? 'rose' : 'slate'} />
        <Stat label="Completed (kept)" value={units(sum((q) => q.completed))} tone="emerald" />
      </div>
      <div className="grid gap-6 xl:grid-cols-2">
        <Card title="Jobs by queue">
          <Table
            label="Queues"
            rows={data.queueCounts}
            rowKey={(q) => q.name}
            columns={[
              { header: 'Queue', cell: (q) => <span className="font-medium">{q.name}</span> },
              { header: 'Waiting', align: 'right', cell: (q) => units(q.waiting) },
              { header: 'Active', align: 'right', cell: (q) => units(q.active) },
              { header: 'Delayed', align: 'right', cell: (q) => units(q.delayed) },
              { header: 'Failed', align: 'right', cell: (q) => units(q.failed) },
              { header: 'Completed', align: 'right', cell: (q) => units(q.completed) },
              { header: 'State', cell: (q) => (q.paused ? <Badge tone="amber">paused</Badge> : <Badge tone="emerald">running</Badge>) },
            ]}
          />
        </Card>
        <Card title="Backlog">
          <Chart label="Jobs by queue and state" option={option} height={260} />
        </Card>
      </div>
    </>
  );
}
