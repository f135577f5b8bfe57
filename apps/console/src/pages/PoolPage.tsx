import { useMemo, useState } from 'react';
import { Chart, type ChartOption } from '../components/chart';
import { RowInput, SelectField, TextField } from '../components/fields';
import { MutationForm, RowForm } from '../components/forms';
import { Table } from '../components/table';
import { Card, Loading, PageHeader, Stat } from '../components/ui';
import { graphql } from '../gql';
import type { ExportRule, PoolQuery } from '../gql/graphql';
import { dateTime, marketName, partnerName, percent, units } from '../lib/format';
import { useReloadableQuery } from '../lib/query';
import { isoDay, startOfDay, useFields, useMutationForm } from '../lib/use-form';

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
  const [{ data, fetching }, reload] = useReloadableQuery({ query: PoolDoc, requestPolicy: 'cache-and-network' });
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
  const name = marketName(market.sku.code, market.region.code);
  const form = useMutationForm(
    SetAskDoc,
    () => ({ input: { skuCode: market.sku.code, regionCode: market.region.code, price: price.trim() === '' ? null : price.trim() } }),
    onChange,
  );
  return (
    <RowForm label={`Ask price of ${name}`} form={form} submit="Save" submitLabel={`Save ask price ${name}`} tone="secondary">
      <span className="text-xs text-slate-400">{market.currency}</span>
      <RowInput
        aria-label={`Ask price ${name}`}
        value={price}
        placeholder="not offered"
        onChange={setPrice}
        className="text-right text-sm tabular-nums"
      />
    </RowForm>
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
  const fields = useFields({ percent: '', skuCode: '', reason: '' });
  const { skuCode, reason } = fields.values;
  const percentValue = fields.values.percent.trim();
  const form = useMutationForm(
    SetShareDoc,
    () => ({ input: { percent: percentValue, skuCode: skuCode || null, reason } }),
    () => {
      fields.set({ reason: '' });
      onChange();
      return `${skuCode || 'Global'} share set to ${percentValue} %`;
    },
  );
  return (
    <Card title="Sellable share">
      <MutationForm label="Sellable share" form={form} submit="Save share" className="space-y-4">
        <TextField
          label="Sellable share (%)"
          hint="0 to under 10, at most two decimals"
          inputMode="decimal"
          required
          {...fields.field('percent')}
        />
        <SelectField
          label="SKU"
          hint="leave on Global for every SKU without an override"
          placeholder="Global"
          options={skus.map((s) => ({ value: s.code, label: `${s.code} — ${s.name}` }))}
          {...fields.field('skuCode')}
        />
        <TextField label="Reason" required {...fields.field('reason')} />
      </MutationForm>
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
  const fields = useFields({ skuCode: skus[0]?.code ?? '', regionCode: regions[0]?.code ?? '', quantity: '', unitCost: '', reference: '' });
  const form = useMutationForm(
    ReceiveDoc,
    () => ({ input: { ...fields.values, quantity: Number(fields.values.quantity), reference: fields.values.reference || null } }),
    ({ receiveInventory: lot }) => {
      onChange();
      return `Received ${units(lot.quantity)} × ${lot.skuCode} into ${lot.regionCode}`;
    },
  );
  return (
    <Card title="Receive inventory">
      <MutationForm
        label="Receive inventory"
        form={form}
        submit="Receive inventory"
        className="grid grid-cols-2 gap-4"
        footerClassName="col-span-2 space-y-3"
      >
        <SelectField label="SKU" options={skus.map((s) => s.code)} {...fields.field('skuCode')} />
        <SelectField label="Region" options={regions.map((r) => r.code)} {...fields.field('regionCode')} />
        <TextField label="Quantity" inputMode="numeric" required {...fields.field('quantity')} />
        <TextField label="Unit cost (CNY)" inputMode="decimal" required {...fields.field('unitCost')} />
        <div className="col-span-2">
          <TextField label="Reference" placeholder="PO-2026-118" {...fields.field('reference')} />
        </div>
      </MutationForm>
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
  const [{ data }, reload] = useReloadableQuery({ query: ComplianceDoc });
  const rule = useFields({ skuCode: skus[0]?.code ?? '', countryCode: 'CN', rule: 'LICENSE_REQUIRED' as ExportRule });
  const licence = useFields({ partnerId: '', skuCode: skus[0]?.code ?? '', quantity: '', validUntil: isoDay(180), reference: '' });
  const ruleForm = useMutationForm(SetRuleDoc, () => ({ input: rule.values }), reload);
  const licenceForm = useMutationForm(
    GrantDoc,
    () => ({
      input: { ...licence.values, quantity: Number(licence.values.quantity), validUntil: startOfDay(licence.values.validUntil) },
    }),
    reload,
  );
  const partners = data?.partners ?? [];
  const skuCodes = skus.map((s) => s.code);
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
          <MutationForm
            label="Export rule"
            form={ruleForm}
            submit="Set rule"
            tone="secondary"
            className="grid grid-cols-3 items-end gap-3"
            footerClassName="col-span-3 space-y-2"
          >
            <SelectField label="Rule SKU" options={skuCodes} {...rule.field('skuCode')} />
            <TextField
              label="Country"
              maxLength={2}
              value={rule.values.countryCode}
              onChange={(v) => rule.set({ countryCode: v.toUpperCase() })}
            />
            <SelectField label="Rule" options={RULES} {...rule.field('rule')} />
          </MutationForm>
        </div>
        <div className="space-y-4">
          <Table
            label="Export licences"
            rows={data?.exportLicenses ?? []}
            rowKey={(l) => l.id}
            empty="No licences granted."
            columns={[
              { header: 'Partner', cell: (l) => partnerName(partners, l.partnerId) },
              { header: 'SKU', cell: (l) => l.skuCode },
              { header: 'Used / granted', align: 'right', cell: (l) => `${units(l.usedQuantity)} / ${units(l.quantity)}` },
              { header: 'Until', cell: (l) => l.validUntil.slice(0, 10) },
            ]}
          />
          <MutationForm
            label="Grant licence"
            form={licenceForm}
            submit="Grant licence"
            tone="secondary"
            className="grid grid-cols-2 items-end gap-3"
            footerClassName="col-span-2 space-y-2"
          >
            <SelectField
              label="Licence partner"
              required
              placeholder="Choose…"
              options={partners.map((x) => ({ value: x.id, label: `${x.name} (${x.countryCode})` }))}
              {...licence.field('partnerId')}
            />
            <SelectField label="Licence SKU" options={skuCodes} {...licence.field('skuCode')} />
            <TextField label="Licence quantity" inputMode="numeric" required {...licence.field('quantity')} />
            <TextField label="Valid until" type="date" required {...licence.field('validUntil')} />
            <div className="col-span-2">
              <TextField label="Licence reference" required placeholder="BIS D-2026-118" {...licence.field('reference')} />
            </div>
          </MutationForm>
        </div>
      </div>
    </Card>
  );
}
