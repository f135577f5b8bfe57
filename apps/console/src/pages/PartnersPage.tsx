import { useState } from 'react';
import type { Me } from '../App';
import { PartnerSelect, RowInput, SelectField, TextField } from '../components/fields';
import { MutationForm, RowForm } from '../components/forms';
import { Table } from '../components/table';
import { Badge, Card, Loading, PageHeader } from '../components/ui';
import { graphql } from '../gql';
import type { Role } from '../gql/graphql';
import { dateTime, money, partnerName, percent } from '../lib/format';
import { useReloadableQuery } from '../lib/query';
import { useFields, useMutationForm } from '../lib/use-form';

const PartnersDoc = graphql(`
  query Partners {
    partners {
      id
      name
      countryCode
      taxRatePercent
      creditLimit
      creditUsed
      creditAvailable
    }
  }
`);

const KeysDoc = graphql(`
  query ApiKeys {
    apiKeys {
      id
      label
      role
      partnerId
      createdAt
      revokedAt
    }
  }
`);

const CreatePartnerDoc = graphql(`
  mutation CreatePartner($input: CreatePartnerInput!) {
    createPartner(input: $input) {
      id
      name
    }
  }
`);

const IssueKeyDoc = graphql(`
  mutation IssueKey($input: IssueApiKeyInput!) {
    issueApiKey(input: $input) {
      id
      key
      role
    }
  }
`);

const RevokeKeyDoc = graphql(`
  mutation RevokeKey($id: ID!, $reason: String!) {
    revokeApiKey(id: $id, reason: $reason) {
      id
      revokedAt
    }
  }
`);

export function PartnersPage({ me }: { me: Me }) {
  const [{ data }, reload] = useReloadableQuery({ query: PartnersDoc });
  const fields = useFields({ name: '', countryCode: 'CN', creditLimit: '', taxRatePercent: '' });
  const form = useMutationForm(
    CreatePartnerDoc,
    () => ({ input: { ...fields.values, taxRatePercent: fields.values.taxRatePercent.trim() || null } }),
    ({ createPartner }) => {
      reload();
      return `Created ${createPartner.name}`;
    },
  );
  if (!data) return <Loading />;
  return (
    <>
      <PageHeader title="Partners" description="The firms that buy from the pool: their credit, and the keys they trade with." />
      <div className="grid gap-6 xl:grid-cols-3">
        <Card title="Partners and credit" className="xl:col-span-2">
          <Table
            label="Partners"
            rows={data.partners}
            rowKey={(p) => p.id}
            columns={[
              { header: 'Partner', cell: (p) => <span className="font-medium">{p.name}</span> },
              { header: 'Country', cell: (p) => p.countryCode },
              { header: 'Tax', align: 'right', cell: (p) => percent(p.taxRatePercent) },
              { header: 'Limit', align: 'right', cell: (p) => money(p.creditLimit) },
              { header: 'Used', align: 'right', cell: (p) => money(p.creditUsed) },
              {
                header: 'Available',
                align: 'right',
                cell: (p) => <CreditBar used={p.creditUsed} limit={p.creditLimit} available={p.creditAvailable} />,
              },
            ]}
          />
        </Card>
        <Card title="Create a partner">
          <MutationForm label="Create partner" form={form} submit="Create partner" className="space-y-4">
            <TextField label="Name" required {...fields.field('name')} />
            <div className="grid grid-cols-2 gap-3">
              <TextField
                label="Country code"
                required
                maxLength={2}
                value={fields.values.countryCode}
                onChange={(v) => fields.set({ countryCode: v.toUpperCase() })}
              />
              <TextField label="Tax rate (%)" hint="default: 13 for CN, else 0" inputMode="decimal" {...fields.field('taxRatePercent')} />
            </div>
            <TextField label="Credit limit (CNY)" required inputMode="decimal" {...fields.field('creditLimit')} />
          </MutationForm>
        </Card>
      </div>
      {me.role === 'ADMIN' && <ApiKeys partners={data.partners} />}
    </>
  );
}

/** Share of the limit in use, drawn from the exact strings' magnitudes (display only). */
function CreditBar({ used, limit, available }: { used: string; limit: string; available: string }) {
  const share = Number(limit) > 0 ? Math.min(100, (Number(used) / Number(limit)) * 100) : 0;
  return (
    <div className="flex items-center justify-end gap-3">
      <div className="h-1.5 w-20 overflow-hidden rounded-full bg-slate-100" aria-hidden="true">
        <div
          className={`h-full ${share > 85 ? 'bg-rose-500' : share > 60 ? 'bg-amber-500' : 'bg-emerald-500'}`}
          style={{ width: `${share}%` }}
        />
      </div>
      <span>{money(available)}</span>
    </div>
  );
}

const ROLES: Role[] = ['PARTNER', 'OPERATOR', 'FINANCE', 'ADMIN'];

function ApiKeys({ partners }: { partners: { id: string; name: string }[] }) {
  const [{ data }, reload] = useReloadableQuery({ query: KeysDoc });
  const fields = useFields({ role: 'PARTNER' as Role, partnerId: '', label: '' });
  const { role, partnerId, label } = fields.values;
  const form = useMutationForm(
    IssueKeyDoc,
    () => ({ input: { role, label, partnerId: role === 'PARTNER' ? partnerId || null : null } }),
    ({ issueApiKey }) => {
      fields.set({ label: '' });
      reload();
      return (
        <>
          Copy this key now; it is not shown again:
          <code aria-label="New API key" className="mt-1 block font-mono text-xs break-all select-all">
            {issueApiKey.key}
          </code>
        </>
      );
    },
  );
  return (
    <div className="mt-6 grid gap-6 xl:grid-cols-3">
      <Card title="API keys" className="xl:col-span-2">
        <Table
          label="API keys"
          rows={data?.apiKeys ?? []}
          rowKey={(k) => k.id}
          columns={[
            { header: 'Label', cell: (k) => <span className="font-medium">{k.label}</span> },
            { header: 'Role', cell: (k) => <Badge>{k.role}</Badge> },
            { header: 'Partner', cell: (k) => (k.partnerId ? partnerName(partners, k.partnerId) : '—') },
            { header: 'Issued', cell: (k) => dateTime(k.createdAt) },
            { header: 'State', cell: (k) => (k.revokedAt ? <Badge tone="rose">revoked</Badge> : <Badge tone="emerald">active</Badge>) },
            { header: '', align: 'right', cell: (k) => !k.revokedAt && <RevokeKey id={k.id} label={k.label} onDone={reload} /> },
          ]}
        />
      </Card>
      <Card title="Issue a key">
        <MutationForm label="Issue key" form={form} submit="Issue key" className="space-y-4">
          <SelectField label="Role" options={ROLES} {...fields.field('role')} />
          {role === 'PARTNER' && (
            <PartnerSelect label="Key partner" required placeholder="Choose…" partners={partners} {...fields.field('partnerId')} />
          )}
          <TextField label="Label" required placeholder="SAIL trading desk" {...fields.field('label')} />
        </MutationForm>
      </Card>
    </div>
  );
}

function RevokeKey({ id, label, onDone }: { id: string; label: string; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const form = useMutationForm(RevokeKeyDoc, () => ({ id, reason }), onDone);
  return (
    <RowForm label={`Revoke ${label}`} form={form} submit="Revoke" submitLabel={`Revoke ${label}`} tone="danger">
      <RowInput
        aria-label={`Reason to revoke ${label}`}
        required
        placeholder="reason"
        value={reason}
        onChange={setReason}
        className="text-xs"
      />
    </RowForm>
  );
}
