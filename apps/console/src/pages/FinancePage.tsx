import { useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Chart, type ChartOption } from '../components/chart';
import { Button, Card, ErrorAlert, Field, Loading, Notice, PageHeader, Stat, Table } from '../components/ui';
import { graphql } from '../gql';
import type { SalesGroupBy, SalesInterval } from '../gql/graphql';
import { money, plot, units } from '../lib/format';
import { isoDay, useMutationForm } from '../lib/use-form';

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
  const [{ data }, refetch] = useQuery({ query: LedgerDoc });
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
        <PaymentForm partners={data.partners} onDone={() => refetch({ requestPolicy: 'network-only' })} />
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
  const [input, setInput] = useState({ partnerId: '', amount: '', reference: '' });
  const [done, setDone] = useState<string | null>(null);
  const [, record] = useMutation(PaymentDoc);
  const form = useMutationForm(
    () => record({ input }),
    (d) => {
      setDone(`Recorded ${money(d.recordPayment.amount, 'CNY')} (${d.recordPayment.reference})`);
      setInput({ ...input, amount: '', reference: '' });
      onDone();
    },
  );
  return (
    <Card title="Record a payment">
      <form aria-label="Record payment" onSubmit={(e) => (setDone(null), form.submit(e))} className="space-y-4">
        <Field label="Payment partner">
          {(p) => (
            <select {...p} required value={input.partnerId} onChange={(e) => setInput({ ...input, partnerId: e.target.value })}>
              <option value="">Choose…</option>
              {partners.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Amount (CNY)" hint="at most the partner's settled, unpaid receivable">
          {(p) => (
            <input
              {...p}
              required
              inputMode="decimal"
              value={input.amount}
              onChange={(e) => setInput({ ...input, amount: e.target.value })}
            />
          )}
        </Field>
        <Field label="Bank reference">
          {(p) => (
            <input
              {...p}
              required
              placeholder="HSBC-TT-20261128-0042"
              value={input.reference}
              onChange={(e) => setInput({ ...input, reference: e.target.value })}
            />
          )}
        </Field>
        <ErrorAlert error={form.error} />
        {done && <Notice>{done}</Notice>}
        <Button type="submit" disabled={form.busy}>
          Record payment
        </Button>
      </form>
    </Card>
  );
}

const RANGES: Record<SalesInterval, number> = { HOUR: 2, DAY: 30, WEEK: 182, MONTH: 366 };

function SalesChart() {
  const [groupBy, setGroupBy] = useState<SalesGroupBy>('SKU');
  const [interval, setIntervalValue] = useState<SalesInterval>('DAY');
  const variables = useMemo(() => {
    const to = new Date(`${isoDay(1)}T00:00:00Z`);
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
        <form aria-label="Sales chart options" className="flex gap-3" onSubmit={(e) => e.preventDefault()}>
          <label className="flex items-center gap-2 text-xs text-slate-500">
            Group by
            <select
              value={groupBy}
              onChange={(e) => setGroupBy(e.target.value as SalesGroupBy)}
              className="rounded-md border border-slate-300 px-2 py-1 text-xs text-slate-800"
            >
              <option value="SKU">SKU</option>
              <option value="REGION">Region</option>
              <option value="PARTNER">Partner</option>
            </select>
          </label>
          <label className="flex items-center gap-2 text-xs text-slate-500">
            Interval
            <select
              value={interval}
              onChange={(e) => setIntervalValue(e.target.value as SalesInterval)}
              className="rounded-md border border-slate-300 px-2 py-1 text-xs text-slate-800"
            >
              <option value="HOUR">Hour (2 days)</option>
              <option value="DAY">Day (30 days)</option>
              <option value="WEEK">Week (26 weeks)</option>
              <option value="MONTH">Month (a year)</option>
            </select>
          </label>
        </form>
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
