import { useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Chart, type ChartOption } from '../components/chart';
import { Button, Card, ErrorAlert, Field, Loading, Notice, PageHeader, Stat, Table } from '../components/ui';
import { graphql } from '../gql';
import type { ExportRule, PoolQuery } from '../gql/graphql';
import { dateTime, marketName, percent, units } from '../lib/format';
import { isoDay, useMutationForm } from '../lib/use-form';

const PoolDoc = graphql(`
  query Pool {
    markets {
      id
      currency
      askPrice
      totalUnits
      capUnits
      committedUnits
      availableUnits
      effectiveSharePercent
      sku {
        code
        name
      }
      region {
        code
        name
      }
    }
    sellableShare {
      globalPercent
      overrides {
        skuCode
        percent
      }
      history(first: 25) {
        id
        skuCode
        oldPercent
        newPercent
        reason
        at
        actor {
          name
          role
        }
      }
    }
    skus {
      code
      name
    }
    regions {
      code
      name
    }
  }
`);

const SetShareDoc = graphql(`
  mutation SetShare($input: SetSellableShareInput!) {
    setSellableShare(input: $input) {
      globalPercent
    }
  }
`);

const SetAskDoc = graphql(`
  mutation SetAsk($input: SetAskPriceInput!) {
    setAskPrice(input: $input) {
      id
      askPrice
    }
  }
`);

const ReceiveDoc = graphql(`
  mutation Receive($input: ReceiveInventoryInput!) {
    receiveInventory(input: $input) {
      id
      quantity
      skuCode
      regionCode
    }
  }
`);

type Market = PoolQuery['markets'][number];

export function PoolPage() {
  const [{ data, fetching }, refetch] = useQuery({ query: PoolDoc, requestPolicy: 'cache-and-network' });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  if (!data) return <Loading what={fetching ? 'Loading the pool' : 'No data'} />;
  const totals = data.markets.reduce(
    (t, m) => ({
      total: t.total + (m.totalUnits ?? 0),
      cap: t.cap + (m.capUnits ?? 0),
      committed: t.committed + (m.committedUnits ?? 0),
      available: t.available + m.availableUnits,
    }),
    { total: 0, cap: 0, committed: 0, available: 0 },
  );
  return (
    <>
      <PageHeader title="Pool" description="The fleet of record, the share of it on offer, and the ask prices partners trade at." />
      <div className="mb-6 grid grid-cols-2 gap-4 xl:grid-cols-5">
        <Stat label="Fleet (units)" value={units(totals.total)} hint={`${data.markets.length} markets`} />
        <Stat label="Cap" value={units(totals.cap)} hint="what the share lets us sell" tone="indigo" />
        <Stat label="Committed" value={units(totals.committed)} hint="sold so far" tone="amber" />
        <Stat label="Available" value={units(totals.available)} hint="on offer now" tone="emerald" />
        <Stat
          label="Global share"
          value={percent(data.sellableShare.globalPercent)}
          hint={`${data.sellableShare.overrides.length} SKU overrides`}
        />
      </div>
      <FleetByMarket markets={data.markets} onChange={reload} />
      <div className="mt-6 grid gap-6 xl:grid-cols-3">
        <ShareForm skus={data.skus} overrides={data.sellableShare.overrides} onChange={reload} />
        <Card title="Share history" className="xl:col-span-2">
          <Table
            label="Share history"
            rows={data.sellableShare.history}
            rowKey={(c) => c.id}
            columns={[
              { header: 'When', cell: (c) => dateTime(c.at) },
              { header: 'Scope', cell: (c) => c.skuCode ?? 'Global' },
              { header: 'Change', cell: (c) => `${percent(c.oldPercent)} → ${percent(c.newPercent)}` },
              { header: 'Reason', cell: (c) => <span className="whitespace-normal">{c.reason}</span> },
              { header: 'By', cell: (c) => `${c.actor.name} (${c.actor.role})` },
            ]}
          />
        </Card>
      </div>
      <div className="mt-6 grid gap-6 xl:grid-cols-3">
        <ReceiveForm skus={data.skus} regions={data.regions} onChange={reload} />
        <ExportControl skus={data.skus} />
      </div>
    </>
  );
}

function FleetByMarket({ markets, onChange }: { markets: Market[]; onChange: () => void }) {
  const option = useMemo<ChartOption>(() => {
    const names = markets.map((m) => marketName(m.sku.code, m.region.code));
    const series = (name: string, values: (number | null | undefined)[]) => ({
      name,
      type: 'bar',
      data: values.map((v) => v ?? 0),
      barGap: '10%',
    });
    return {
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 40, bottom: 80 },
      xAxis: { type: 'category', data: names, axisLabel: { rotate: 35, fontSize: 11 } },
      yAxis: { type: 'value', name: 'units' },
      series: [
        series(
          'Total',
          markets.map((m) => m.totalUnits),
        ),
        series(
          'Cap',
          markets.map((m) => m.capUnits),
        ),
        series(
          'Committed',
          markets.map((m) => m.committedUnits),
        ),
        series(
          'Available',
          markets.map((m) => m.availableUnits),
        ),
      ],
    };
  }, [markets]);
  return (
    <Card title="Fleet by market">
      <Chart label="Fleet by market: total, cap, committed and available units per SKU and region" option={option} height={340} />
      <div className="mt-4">
        <Table
          label="Markets"
          rows={markets}
          rowKey={(m) => m.id}
          columns={[
            {
              header: 'SKU',
              cell: (m) => (
                <span title={m.sku.name} className="font-medium">
                  {m.sku.code}
                </span>
              ),
            },
            { header: 'Region', cell: (m) => m.region.code },
            { header: 'Total', align: 'right', cell: (m) => units(m.totalUnits) },
            { header: 'Share', align: 'right', cell: (m) => percent(m.effectiveSharePercent) },
            { header: 'Cap', align: 'right', cell: (m) => units(m.capUnits) },
            { header: 'Committed', align: 'right', cell: (m) => units(m.committedUnits) },
            { header: 'Available', align: 'right', cell: (m) => units(m.availableUnits) },
            { header: 'Ask price', align: 'right', cell: (m) => <AskPrice market={m} onChange={onChange} /> },
          ]}
        />
      </div>
    </Card>
  );
}

function AskPrice({ market, onChange }: { market: Market; onChange: () => void }) {
  const [price, setPrice] = useState(market.askPrice ?? '');
  const [, setAsk] = useMutation(SetAskDoc);
  const name = marketName(market.sku.code, market.region.code);
  const form = useMutationForm(
    () => setAsk({ input: { skuCode: market.sku.code, regionCode: market.region.code, price: price.trim() === '' ? null : price.trim() } }),
    onChange,
  );
  return (
    <form aria-label={`Ask price of ${name}`} onSubmit={form.submit} className="flex items-center justify-end gap-2">
      <span className="text-xs text-slate-400">{market.currency}</span>
      <input
        aria-label={`Ask price ${name}`}
        value={price}
        placeholder="not offered"
        onChange={(e) => setPrice(e.target.value)}
        className="w-32 rounded-md border border-slate-300 px-2 py-1 text-right text-sm tabular-nums"
      />
      <Button type="submit" tone="secondary" aria-label={`Save ask price ${name}`} disabled={form.busy} className="px-2 py-1 text-xs">
        Save
      </Button>
      {form.error && <ErrorAlert error={form.error} />}
    </form>
  );
}

function ShareForm({
  skus,
  overrides,
  onChange,
}: {
  skus: PoolQuery['skus'];
  overrides: PoolQuery['sellableShare']['overrides'];
  onChange: () => void;
}) {
  const [percentValue, setPercent] = useState('');
  const [skuCode, setSku] = useState('');
  const [reason, setReason] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const [, setShare] = useMutation(SetShareDoc);
  const form = useMutationForm(
    () => setShare({ input: { percent: percentValue.trim(), skuCode: skuCode || null, reason } }),
    () => {
      setSaved(`${skuCode || 'Global'} share set to ${percentValue.trim()} %`);
      setReason('');
      onChange();
    },
  );
  return (
    <Card title="Sellable share">
      <form aria-label="Sellable share" onSubmit={(e) => (setSaved(null), form.submit(e))} className="space-y-4">
        <Field label="Sellable share (%)" hint="0 to under 10, at most two decimals">
          {(p) => <input {...p} inputMode="decimal" required value={percentValue} onChange={(e) => setPercent(e.target.value)} />}
        </Field>
        <Field label="SKU" hint="leave on Global for every SKU without an override">
          {(p) => (
            <select {...p} value={skuCode} onChange={(e) => setSku(e.target.value)}>
              <option value="">Global</option>
              {skus.map((s) => (
                <option key={s.code} value={s.code}>
                  {s.code} — {s.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Reason">{(p) => <input {...p} required value={reason} onChange={(e) => setReason(e.target.value)} />}</Field>
        <ErrorAlert error={form.error} />
        {saved && <Notice>{saved}</Notice>}
        <Button type="submit" disabled={form.busy}>
          Save share
        </Button>
      </form>
      {overrides.length > 0 && (
        <div className="mt-5 border-t border-slate-100 pt-4">
          <h3 className="mb-2 text-xs font-medium tracking-wide text-slate-500 uppercase">Overrides</h3>
          <ul className="flex flex-wrap gap-2">
            {overrides.map((o) => (
              <li key={o.skuCode} className="rounded-md bg-indigo-50 px-2 py-1 text-xs font-medium text-indigo-700">
                {o.skuCode}: {percent(o.percent)}
              </li>
            ))}
          </ul>
        </div>
      )}
    </Card>
  );
}

function ReceiveForm({ skus, regions, onChange }: { skus: PoolQuery['skus']; regions: PoolQuery['regions']; onChange: () => void }) {
  const [input, setInput] = useState({
    skuCode: skus[0]?.code ?? '',
    regionCode: regions[0]?.code ?? '',
    quantity: '',
    unitCost: '',
    reference: '',
  });
  const [done, setDone] = useState<string | null>(null);
  const [, receive] = useMutation(ReceiveDoc);
  const form = useMutationForm(
    () => receive({ input: { ...input, quantity: Number(input.quantity), reference: input.reference || null } }),
    (data) => {
      setDone(
        `Received ${units(data.receiveInventory.quantity)} × ${data.receiveInventory.skuCode} into ${data.receiveInventory.regionCode}`,
      );
      onChange();
    },
  );
  const set = (field: keyof typeof input) => (e: { target: { value: string } }) => setInput({ ...input, [field]: e.target.value });
  return (
    <Card title="Receive inventory">
      <form aria-label="Receive inventory" onSubmit={(e) => (setDone(null), form.submit(e))} className="grid grid-cols-2 gap-4">
        <Field label="SKU">
          {(p) => (
            <select {...p} value={input.skuCode} onChange={set('skuCode')}>
              {skus.map((s) => (
                <option key={s.code}>{s.code}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Region">
          {(p) => (
            <select {...p} value={input.regionCode} onChange={set('regionCode')}>
              {regions.map((r) => (
                <option key={r.code}>{r.code}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Quantity">
          {(p) => <input {...p} inputMode="numeric" required value={input.quantity} onChange={set('quantity')} />}
        </Field>
        <Field label="Unit cost (CNY)">
          {(p) => <input {...p} inputMode="decimal" required value={input.unitCost} onChange={set('unitCost')} />}
        </Field>
        <div className="col-span-2">
          <Field label="Reference">
            {(p) => <input {...p} placeholder="PO-2026-118" value={input.reference} onChange={set('reference')} />}
          </Field>
        </div>
        <div className="col-span-2 space-y-3">
          <ErrorAlert error={form.error} />
          {done && <Notice>{done}</Notice>}
          <Button type="submit" disabled={form.busy}>
            Receive inventory
          </Button>
        </div>
      </form>
    </Card>
  );
}

const ComplianceDoc = graphql(`
  query Compliance {
    exportRules {
      skuCode
      countryCode
      rule
      updatedAt
    }
    exportLicenses {
      id
      partnerId
      skuCode
      quantity
      usedQuantity
      validUntil
      reference
    }
    partners {
      id
      name
      countryCode
    }
  }
`);

const SetRuleDoc = graphql(`
  mutation SetRule($input: SetExportRuleInput!) {
    setExportRule(input: $input)
  }
`);

const GrantDoc = graphql(`
  mutation Grant($input: GrantExportLicenseInput!) {
    grantExportLicense(input: $input) {
      id
    }
  }
`);

const RULES: ExportRule[] = ['ALLOWED', 'LICENSE_REQUIRED', 'PROHIBITED'];

function ExportControl({ skus }: { skus: PoolQuery['skus'] }) {
  const [{ data }, refetch] = useQuery({ query: ComplianceDoc });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const [rule, setRuleInput] = useState({ skuCode: skus[0]?.code ?? '', countryCode: 'CN', rule: 'LICENSE_REQUIRED' as ExportRule });
  const [licence, setLicence] = useState({
    partnerId: '',
    skuCode: skus[0]?.code ?? '',
    quantity: '',
    validUntil: isoDay(180),
    reference: '',
  });
  const [, setRule] = useMutation(SetRuleDoc);
  const [, grant] = useMutation(GrantDoc);
  const ruleForm = useMutationForm(() => setRule({ input: rule }), reload);
  const licenceForm = useMutationForm(
    () =>
      grant({
        input: { ...licence, quantity: Number(licence.quantity), validUntil: new Date(`${licence.validUntil}T00:00:00Z`).toISOString() },
      }),
    reload,
  );
  const partnerName = (id: string) => data?.partners.find((p) => p.id === id)?.name ?? id.slice(0, 8);
  return (
    <Card title="Export rules and licences" className="xl:col-span-2">
      <div className="grid gap-6 lg:grid-cols-2">
        <div className="space-y-4">
          <Table
            label="Export rules"
            rows={data?.exportRules ?? []}
            rowKey={(r) => `${r.skuCode}-${r.countryCode}`}
            empty="No rules: every SKU may go everywhere."
            columns={[
              { header: 'SKU', cell: (r) => r.skuCode },
              { header: 'Country', cell: (r) => r.countryCode },
              { header: 'Rule', cell: (r) => r.rule.replace('_', ' ') },
            ]}
          />
          <form aria-label="Export rule" onSubmit={ruleForm.submit} className="grid grid-cols-3 items-end gap-3">
            <Field label="Rule SKU">
              {(p) => (
                <select {...p} value={rule.skuCode} onChange={(e) => setRuleInput({ ...rule, skuCode: e.target.value })}>
                  {skus.map((s) => (
                    <option key={s.code}>{s.code}</option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Country">
              {(p) => (
                <input
                  {...p}
                  maxLength={2}
                  value={rule.countryCode}
                  onChange={(e) => setRuleInput({ ...rule, countryCode: e.target.value.toUpperCase() })}
                />
              )}
            </Field>
            <Field label="Rule">
              {(p) => (
                <select {...p} value={rule.rule} onChange={(e) => setRuleInput({ ...rule, rule: e.target.value as ExportRule })}>
                  {RULES.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              )}
            </Field>
            <div className="col-span-3 space-y-2">
              <ErrorAlert error={ruleForm.error} />
              <Button type="submit" tone="secondary" disabled={ruleForm.busy}>
                Set rule
              </Button>
            </div>
          </form>
        </div>
        <div className="space-y-4">
          <Table
            label="Export licences"
            rows={data?.exportLicenses ?? []}
            rowKey={(l) => l.id}
            empty="No licences granted."
            columns={[
              { header: 'Partner', cell: (l) => partnerName(l.partnerId) },
              { header: 'SKU', cell: (l) => l.skuCode },
              { header: 'Used / granted', align: 'right', cell: (l) => `${units(l.usedQuantity)} / ${units(l.quantity)}` },
              { header: 'Until', cell: (l) => l.validUntil.slice(0, 10) },
            ]}
          />
          <form aria-label="Grant licence" onSubmit={licenceForm.submit} className="grid grid-cols-2 items-end gap-3">
            <Field label="Licence partner">
              {(p) => (
                <select {...p} required value={licence.partnerId} onChange={(e) => setLicence({ ...licence, partnerId: e.target.value })}>
                  <option value="">Choose…</option>
                  {data?.partners.map((x) => (
                    <option key={x.id} value={x.id}>
                      {x.name} ({x.countryCode})
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Licence SKU">
              {(p) => (
                <select {...p} value={licence.skuCode} onChange={(e) => setLicence({ ...licence, skuCode: e.target.value })}>
                  {skus.map((s) => (
                    <option key={s.code}>{s.code}</option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Licence quantity">
              {(p) => (
                <input
                  {...p}
                  inputMode="numeric"
                  required
                  value={licence.quantity}
                  onChange={(e) => setLicence({ ...licence, quantity: e.target.value })}
                />
              )}
            </Field>
            <Field label="Valid until">
              {(p) => (
                <input
                  {...p}
                  type="date"
                  required
                  value={licence.validUntil}
                  onChange={(e) => setLicence({ ...licence, validUntil: e.target.value })}
                />
              )}
            </Field>
            <div className="col-span-2">
              <Field label="Licence reference">
                {(p) => (
                  <input
                    {...p}
                    required
                    placeholder="BIS D-2026-118"
                    value={licence.reference}
                    onChange={(e) => setLicence({ ...licence, reference: e.target.value })}
                  />
                )}
              </Field>
            </div>
            <div className="col-span-2 space-y-2">
              <ErrorAlert error={licenceForm.error} />
              <Button type="submit" tone="secondary" disabled={licenceForm.busy}>
                Grant licence
              </Button>
            </div>
          </form>
        </div>
      </div>
    </Card>
  );
}
