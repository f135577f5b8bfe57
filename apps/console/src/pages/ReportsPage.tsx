import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Button, Card, ErrorAlert, Field, Loading, PageHeader, StatusBadge, Table } from '../components/ui';
import { graphql } from '../gql';
import type { ReportFormat, ReportsQuery } from '../gql/graphql';
import { money, shortDateTime, units } from '../lib/format';
import { apiKey, bearer } from '../lib/session';
import { isoDay, useMutationForm } from '../lib/use-form';
import { usePolling } from './MarketsPage';

const ReportsDoc = graphql(`
  query Reports {
    settlementReports(first: 25) {
      totalCount
      edges {
        node {
          id
          status
          format
          from
          to
          partnerId
          progressPercent
          rowCount
          sha256
          downloadUrl
          error
          createdAt
          finishedAt
          totals {
            quantity
            netAmount
            taxAmount
            grossAmount
          }
        }
      }
    }
    partners {
      id
      name
    }
  }
`);

const RequestReportDoc = graphql(`
  mutation RequestReport($input: RequestSettlementReportInput!) {
    requestSettlementReport(input: $input) {
      id
      status
    }
  }
`);

type Report = ReportsQuery['settlementReports']['edges'][number]['node'];
const startOf = (day: string) => new Date(`${day}T00:00:00Z`).toISOString();

export function ReportsPage() {
  const [{ data }, refetch] = useQuery({ query: ReportsDoc });
  const reports = data?.settlementReports.edges.map((e) => e.node) ?? [];
  usePolling(refetch, reports.some((r) => r.status === 'QUEUED' || r.status === 'RUNNING') ? 750 : 5000);
  const [input, setInput] = useState({ from: isoDay(-30), to: isoDay(1), format: 'CSV' as ReportFormat, partnerId: '' });
  const [, request] = useMutation(RequestReportDoc);
  const form = useMutationForm(
    () =>
      request({ input: { from: startOf(input.from), to: startOf(input.to), format: input.format, partnerId: input.partnerId || null } }),
    () => refetch({ requestPolicy: 'network-only' }),
  );
  if (!data) return <Loading />;
  const partnerName = (id: string | null | undefined) =>
    id ? (data.partners.find((p) => p.id === id)?.name ?? id.slice(0, 8)) : 'All partners';
  return (
    <>
      <PageHeader
        title="Reports"
        description="Settlement reports of a period [From, To), built by the worker; each file carries its SHA-256."
      />
      <div className="grid gap-6 xl:grid-cols-4">
        <Card title="Request a report">
          <form aria-label="Request report" onSubmit={form.submit} className="space-y-4">
            <Field label="From" hint="00:00 UTC, included">
              {(p) => (
                <input {...p} type="date" required value={input.from} onChange={(e) => setInput({ ...input, from: e.target.value })} />
              )}
            </Field>
            <Field label="To" hint="00:00 UTC, excluded">
              {(p) => <input {...p} type="date" required value={input.to} onChange={(e) => setInput({ ...input, to: e.target.value })} />}
            </Field>
            <Field label="Format">
              {(p) => (
                <select {...p} value={input.format} onChange={(e) => setInput({ ...input, format: e.target.value as ReportFormat })}>
                  <option value="CSV">CSV</option>
                  <option value="XLSX">XLSX</option>
                </select>
              )}
            </Field>
            <Field label="Partner" hint="optional">
              {(p) => (
                <select {...p} value={input.partnerId} onChange={(e) => setInput({ ...input, partnerId: e.target.value })}>
                  <option value="">All partners</option>
                  {data.partners.map((x) => (
                    <option key={x.id} value={x.id}>
                      {x.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <ErrorAlert error={form.error} />
            <Button type="submit" disabled={form.busy}>
              Request report
            </Button>
          </form>
        </Card>
        <Card
          title="Report history"
          className="xl:col-span-3"
          actions={<span className="text-xs text-slate-500">{data.settlementReports.totalCount} reports</span>}
        >
          <Table
            label="Report history"
            rows={reports}
            rowKey={(r) => r.id}
            empty="No reports requested yet."
            columns={[
              { header: 'Requested', cell: (r) => shortDateTime(r.createdAt) },
              { header: 'Period', cell: (r) => `${r.from.slice(0, 10)} → ${r.to.slice(0, 10)}` },
              { header: 'Format', cell: (r) => r.format },
              { header: 'Partner', cell: (r) => partnerName(r.partnerId) },
              { header: 'Status', cell: (r) => <Progress report={r} /> },
              { header: 'Rows', align: 'right', cell: (r) => units(r.rowCount) },
              { header: 'Gross', align: 'right', cell: (r) => money(r.totals?.grossAmount) },
              {
                header: 'SHA-256',
                cell: (r) =>
                  r.sha256 ? (
                    <code aria-label={`SHA-256 of report ${r.id}`} title={r.sha256} className="font-mono text-xs">
                      {r.sha256}
                    </code>
                  ) : (
                    r.error && <span className="text-xs whitespace-normal text-rose-600">{r.error}</span>
                  ),
              },
              { header: '', align: 'right', cell: (r) => r.downloadUrl && <DownloadButton report={r} /> },
            ]}
          />
        </Card>
      </div>
    </>
  );
}

function Progress({ report }: { report: Report }) {
  if (report.status !== 'RUNNING' && report.status !== 'QUEUED') return <StatusBadge status={report.status} />;
  return (
    <div className="flex items-center gap-2">
      <StatusBadge status={report.status} />
      <div
        role="progressbar"
        aria-label={`Progress of report ${report.id}`}
        aria-valuenow={report.progressPercent}
        aria-valuemin={0}
        aria-valuemax={100}
        className="h-1.5 w-20 overflow-hidden rounded-full bg-slate-100"
      >
        <div className="h-full bg-sky-500 transition-all" style={{ width: `${report.progressPercent}%` }} />
      </div>
      <span className="text-xs text-slate-500 tabular-nums">{report.progressPercent} %</span>
    </div>
  );
}

/** A browser navigation cannot send Authorization: fetch the file with the key, then save the Blob. */
function DownloadButton({ report }: { report: Report }) {
  const [error, setError] = useState<string | null>(null);
  async function download() {
    setError(null);
    const response = await fetch(report.downloadUrl!, { headers: bearer(apiKey() ?? '') });
    if (!response.ok) return setError(`HTTP_${response.status}: ${await response.text()}`);
    const name =
      /filename="?([^";]+)"?/.exec(response.headers.get('content-disposition') ?? '')?.[1] ??
      `settlement-report-${report.id}.${report.format.toLowerCase()}`;
    const url = URL.createObjectURL(await response.blob());
    const link = Object.assign(document.createElement('a'), { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  return (
    <>
      <Button tone="secondary" onClick={download} className="px-2.5 py-1 text-xs">
        Download
      </Button>
      <ErrorAlert error={error} />
    </>
  );
}
