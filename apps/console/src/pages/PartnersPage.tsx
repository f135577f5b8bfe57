import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import type { Me } from '../App';
import { Badge, Button, Card, ErrorAlert, Field, Loading, Notice, PageHeader, Table } from '../components/ui';
import { graphql } from '../gql';
import type { Role } from '../gql/graphql';
import { dateTime, money, percent } from '../lib/format';
import { useMutationForm } from '../lib/use-form';

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
  const [{ data }, refetch] = useQuery({ query: PartnersDoc });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const [input, setInput] = useState({ name: '', countryCode: 'CN', creditLimit: '', taxRatePercent: '' });
  const [created, setCreated] = useState<string | null>(null);
  const [, create] = useMutation(CreatePartnerDoc);
  const form = useMutationForm(
    () => create({ input: { ...input, taxRatePercent: input.taxRatePercent.trim() || null } }),
    (d) => {
      setCreated(`Created ${d.createPartner.name}`);
      reload();
    },
  );
  const set = (field: keyof typeof input) => (e: { target: { value: string } }) => setInput({ ...input, [field]: e.target.value });
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
          <form aria-label="Create partner" onSubmit={(e) => (setCreated(null), form.submit(e))} className="space-y-4">
            <Field label="Name">{(p) => <input {...p} required value={input.name} onChange={set('name')} />}</Field>
            <div className="grid grid-cols-2 gap-3">
              <Field label="Country code">
                {(p) => (
                  <input
                    {...p}
                    required
                    maxLength={2}
                    value={input.countryCode}
                    onChange={(e) => setInput({ ...input, countryCode: e.target.value.toUpperCase() })}
                  />
                )}
              </Field>
              <Field label="Tax rate (%)" hint="default: 13 for CN, else 0">
                {(p) => <input {...p} inputMode="decimal" value={input.taxRatePercent} onChange={set('taxRatePercent')} />}
              </Field>
            </div>
            <Field label="Credit limit (CNY)">
              {(p) => <input {...p} required inputMode="decimal" value={input.creditLimit} onChange={set('creditLimit')} />}
            </Field>
            <ErrorAlert error={form.error} />
            {created && <Notice>{created}</Notice>}
            <Button type="submit" disabled={form.busy}>
              Create partner
            </Button>
          </form>
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
  const [{ data }, refetch] = useQuery({ query: KeysDoc });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const [input, setInput] = useState({ role: 'PARTNER' as Role, partnerId: '', label: '' });
  const [issued, setIssued] = useState<string | null>(null);
  const [, issue] = useMutation(IssueKeyDoc);
  const form = useMutationForm(
    () => issue({ input: { role: input.role, label: input.label, partnerId: input.role === 'PARTNER' ? input.partnerId || null : null } }),
    (d) => {
      setIssued(d.issueApiKey.key);
      setInput({ ...input, label: '' });
      reload();
    },
  );
  const partnerName = (id: string | null | undefined) => (id ? (partners.find((p) => p.id === id)?.name ?? id.slice(0, 8)) : '—');
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
            { header: 'Partner', cell: (k) => partnerName(k.partnerId) },
            { header: 'Issued', cell: (k) => dateTime(k.createdAt) },
            { header: 'State', cell: (k) => (k.revokedAt ? <Badge tone="rose">revoked</Badge> : <Badge tone="emerald">active</Badge>) },
            { header: '', align: 'right', cell: (k) => !k.revokedAt && <RevokeKey id={k.id} label={k.label} onDone={reload} /> },
          ]}
        />
      </Card>
      <Card title="Issue a key">
        <form aria-label="Issue key" onSubmit={(e) => (setIssued(null), form.submit(e))} className="space-y-4">
          <Field label="Role">
            {(p) => (
              <select {...p} value={input.role} onChange={(e) => setInput({ ...input, role: e.target.value as Role })}>
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            )}
          </Field>
          {input.role === 'PARTNER' && (
            <Field label="Key partner">
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
          )}
          <Field label="Label">
            {(p) => (
              <input
                {...p}
                required
                placeholder="SAIL trading desk"
                value={input.label}
                onChange={(e) => setInput({ ...input, label: e.target.value })}
              />
            )}
          </Field>
          <ErrorAlert error={form.error} />
          {issued && (
            <Notice>
              Copy this key now; it is not shown again:
              <code aria-label="New API key" className="mt-1 block font-mono text-xs break-all select-all">
                {issued}
              </code>
            </Notice>
          )}
          <Button type="submit" disabled={form.busy}>
            Issue key
          </Button>
        </form>
      </Card>
    </div>
  );
}

function RevokeKey({ id, label, onDone }: { id: string; label: string; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [, revoke] = useMutation(RevokeKeyDoc);
  const form = useMutationForm(() => revoke({ id, reason }), onDone);
  return (
    <form aria-label={`Revoke ${label}`} onSubmit={form.submit} className="flex items-center justify-end gap-2">
      <input
        aria-label={`Reason to revoke ${label}`}
        required
        placeholder="reason"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        className="w-32 rounded-md border border-slate-300 px-2 py-1 text-xs"
      />
      <Button type="submit" tone="danger" aria-label={`Revoke ${label}`} disabled={form.busy} className="px-2 py-1 text-xs">
        Revoke
      </Button>
      {form.error && <ErrorAlert error={form.error} />}
    </form>
  );
}
