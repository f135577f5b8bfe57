import { useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { Chart, type ChartOption } from '../components/chart';
import { InlineSelect, PartnerSelect, TextField } from '../components/fields';
import { FilterBar, MutationForm } from '../components/forms';
import { Table } from '../components/table';
import { Card, ErrorAlert, Loading, PageHeader, Stat } from '../components/ui';
import { graphql } from '../gql';
import type { SalesGroupBy, SalesInterval } from '../gql/graphql';
import { money, plot, units } from '../lib/format';
import { useReloadableQuery } from '../lib/query';
import { isoDay, startOfDay, useFields, useMutationForm } from '../lib/use-form';

const LedgerDoc = graphql(`
  query Ledger {
    trialBalance {
      account
      name
      kind
      currency
      debit
      credit
      balance
    }
    partners {
      id
      name
      creditLimit
      creditUsed
    }
  }
`);

const SalesDoc = graphql(`
  query Sales($from: DateTime!, $to: DateTime!, $interval: SalesInterval!, $groupBy: SalesGroupBy!) {
    salesOverTime(from: $from, to: $to, interval: $interval, groupBy: $groupBy, top: 8) {
      key
      label
      units
      revenue
      points {
        at
        units
        revenue
      }
    }
  }
`);

const PaymentDoc = graphql(`
  mutation RecordPayment($input: RecordPaymentInput!) {
    recordPayment(input: $input) {
      id
      amount
      reference
    }
  }
`);

const RECEIVABLE = 'RECEIVABLE:';

export function FinancePage() {
  const [{ data }, reload] = useReloadableQuery({ query: LedgerDoc });
  if (!data) return <Loading />;
  const name = (id: string) => data.partners.find((p) => p.id === id)?.name ?? id;
  const receivables = data.trialBalance
    .filter((b) => b.account.startsWith(RECEIVABLE))
    .map((b) => ({ ...b, partner: name(b.account.slice(RECEIVABLE.length)) }));
  const byCode = (code: string) => data.trialBalance.find((b) => b.account === code);
  return (
    <>
      <PageHeader title="Finance" description="The books as the settlements posted them, receivables by partner, and sales over time." />
      <div className="mb-6 grid grid-cols-2 gap-4 xl:grid-cols-4">
        <Stat label="Sales revenue" value={money(byCode('SALES_REVENUE')?.credit ?? '0')} hint="CNY, net of VAT" tone="indigo" />
        <Stat label="VAT payable" value={money(byCode('VAT_PAYABLE')?.credit ?? '0')} hint="CNY" />
        <Stat label="Cash received" value={money(byCode('CASH')?.debit ?? '0')} hint="CNY" tone="emerald" />
        <Stat
          label="Receivables open"
          value={String(receivables.filter((r) => !/^-?0(\.0+)?$/.test(r.balance)).length)}
          hint="partners owing"
          tone="amber"
        />
      </div>
      <SalesChart />
      <div className="mt-6 grid gap-6 xl:grid-cols-3">
        <Card title="Trial balance" className="xl:col-span-2">
          <Table
            label="Trial balance"
            rows={data.trialBalance.filter((b) => !b.account.startsWith(RECEIVABLE))}
            rowKey={(b) => `${b.account}-${b.currency}`}
            columns={[
              { header: 'Account', cell: (b) => <span className="font-medium whitespace-normal">{b.name}</span> },
              { header: 'Debit', align: 'right', cell: (b) => money(b.debit) },
              { header: 'Credit', align: 'right', cell: (b) => money(b.credit) },
              { header: 'Balance', align: 'right', cell: (b) => money(b.balance, b.currency) },
            ]}
          />
        </Card>
        <PaymentForm partners={data.partners} onDone={reload} />
      </div>
      <Card title="Receivables by partner" className="mt-6">
        <Table
          label="Receivables by partner"
          rows={receivables}
          rowKey={(r) => r.account}
          empty="No receivables yet."
          columns={[
            { header: 'Partner', cell: (r) => <span className="font-medium">{r.partner}</span> },
            { header: 'Invoiced (gross)', align: 'right', cell: (r) => money(r.debit) },
            { header: 'Paid', align: 'right', cell: (r) => money(r.credit) },
            { header: 'Outstanding', align: 'right', cell: (r) => money(r.balance, r.currency) },
          ]}
        />
      </Card>
    </>
  );
}

function PaymentForm({ partners, onDone }: { partners: { id: string; name: string }[]; onDone: () => void }) {
  const fields = useFields({ partnerId: '', amount: '', reference: '' });
  const form = useMutationForm(
    PaymentDoc,
    () => ({ input: fields.values }),
    ({ recordPayment }) => {
      fields.set({ amount: '', reference: '' });
      onDone();
      return `Recorded ${money(recordPayment.amount, 'CNY')} (${recordPayment.reference})`;
    },
  );
  return (
    <Card title="Record a payment">
      <MutationForm label="Record payment" form={form} submit="Record payment" className="space-y-4">
        <PartnerSelect label="Payment partner" required placeholder="Choose…" partners={partners} {...fields.field('partnerId')} />
        <TextField
          label="Amount (CNY)"
          hint="at most the partner's settled, unpaid receivable"
          required
          inputMode="decimal"
          {...fields.field('amount')}
        />
        <TextField label="Bank reference" required placeholder="HSBC-TT-20261128-0042" {...fields.field('reference')} />
      </MutationForm>
    </Card>
  );
}

const RANGES: Record<SalesInterval, number> = { HOUR: 2, DAY: 30, WEEK: 182, MONTH: 366 };
const GROUPINGS = [
  { value: 'SKU', label: 'SKU' },
  { value: 'REGION', label: 'Region' },
  { value: 'PARTNER', label: 'Partner' },
];
const INTERVALS = [
  { value: 'HOUR', label: 'Hour (2 days)' },
  { value: 'DAY', label: 'Day (30 days)' },
  { value: 'WEEK', label: 'Week (26 weeks)' },
  { value: 'MONTH', label: 'Month (a year)' },
];

function SalesChart() {
  const [groupBy, setGroupBy] = useState<SalesGroupBy>('SKU');
  const [interval, setIntervalValue] = useState<SalesInterval>('DAY');
  const variables = useMemo(() => {
    const to = new Date(startOfDay(isoDay(1)));
    return { groupBy, interval, to: to.toISOString(), from: new Date(to.getTime() - RANGES[interval] * 86_400_000).toISOString() };
  }, [groupBy, interval]);
  const [{ data, error }] = useQuery({ query: SalesDoc, variables });
  const option = useMemo<ChartOption>(() => {
    const series = data?.salesOverTime ?? [];
    const axis = series[0]?.points.map((p) => (interval === 'HOUR' ? p.at.slice(5, 16).replace('T', ' ') : p.at.slice(0, 10))) ?? [];
    const totalUnits = axis.map((_, i) => series.reduce((n, s) => n + s.points[i].units, 0));
    return {
      legend: { top: 0, type: 'scroll' },
      grid: { left: 80, right: 60, top: 40, bottom: 70 },
      xAxis: { type: 'category', data: axis },
      yAxis: [
        { type: 'value', name: 'revenue (CNY)' },
        { type: 'value', name: 'units', splitLine: { show: false } },
      ],
      dataZoom: [{ type: 'inside' }, { type: 'slider', height: 18, bottom: 10 }],
      series: [
        ...series.map((s) => ({ name: s.label, type: 'bar', stack: 'revenue', data: s.points.map((p) => plot(p.revenue)) })),
        {
          name: 'Units sold',
          type: 'line',
          yAxisIndex: 1,
          data: totalUnits,
          symbol: 'none',
          lineStyle: { width: 2, color: '#0f172a' },
          itemStyle: { color: '#0f172a' },
        },
      ],
    };
  }, [data, interval]);
  const series = data?.salesOverTime ?? [];
  return (
    <Card
      title="Units sold and revenue over time"
      actions={
        <FilterBar label="Sales chart options" className="flex gap-3">
          <InlineSelect label="Group by" value={groupBy} onChange={(v) => setGroupBy(v as SalesGroupBy)} options={GROUPINGS} />
          <InlineSelect label="Interval" value={interval} onChange={(v) => setIntervalValue(v as SalesInterval)} options={INTERVALS} />
        </FilterBar>
      }
    >
      <ErrorAlert error={error} />
      <Chart label="Units sold and revenue over time" option={option} height={320} />
      <div className="mt-3 flex flex-wrap gap-x-6 gap-y-1 text-xs text-slate-500">
        {series.map((s) => (
          <span key={s.key}>
            <span className="font-medium text-slate-700">{s.label}</span>: {units(s.units)} units, CNY {money(s.revenue)}
          </span>
        ))}
      </div>
    </Card>
  );
}
