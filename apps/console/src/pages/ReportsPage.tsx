import { useState } from 'react';
import { PartnerSelect, SelectField, TextField } from '../components/fields';
import { MutationForm } from '../components/forms';
import { Table } from '../components/table';
import { Button, Card, CardNote, ErrorAlert, Loading, PageHeader, StatusBadge } from '../components/ui';
import { graphql } from '../gql';
import type { ReportFormat, ReportsQuery } from '../gql/graphql';
import { money, partnerName, shortDateTime, units } from '../lib/format';
import { nodes, usePolling, useReloadableQuery } from '../lib/query';
import { apiKey, bearer } from '../lib/session';
import { isoDay, startOfDay, useFields, useMutationForm } from '../lib/use-form';

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
const FORMATS: ReportFormat[] = ['CSV', 'XLSX'];

export function ReportsPage() {
  const [{ data }, reload] = useReloadableQuery({ query: ReportsDoc });
  const reports = data ? nodes(data.settlementReports) : [];
  usePolling(reload, reports.some((r) => r.status === 'QUEUED' || r.status === 'RUNNING') ? 750 : 5000);
  const fields = useFields({ from: isoDay(-30), to: isoDay(1), format: 'CSV' as ReportFormat, partnerId: '' });
  const { from, to, format, partnerId } = fields.values;
  const form = useMutationForm(
    RequestReportDoc,
    () => ({ input: { from: startOfDay(from), to: startOfDay(to), format, partnerId: partnerId || null } }),
    reload,
  );
  if (!data) return <Loading />;
  return (
    <>
      <PageHeader
        title="Reports"
        description="Settlement reports of a period [From, To), built by the worker; each file carries its SHA-256."
      />
      <div className="grid gap-6 xl:grid-cols-4">
        <Card title="Request a report">
          <MutationForm label="Request report" form={form} submit="Request report" className="space-y-4">
            <TextField label="From" hint="00:00 UTC, included" type="date" required {...fields.field('from')} />
            <TextField label="To" hint="00:00 UTC, excluded" type="date" required {...fields.field('to')} />
            <SelectField label="Format" options={FORMATS} {...fields.field('format')} />
            <PartnerSelect
              label="Partner"
              hint="optional"
              placeholder="All partners"
              partners={data.partners}
              {...fields.field('partnerId')}
            />
          </MutationForm>
        </Card>
        <Card title="Report history" className="xl:col-span-3" actions={<CardNote>{data.settlementReports.totalCount} reports</CardNote>}>
          <Table
            label="Report history"
            rows={reports}
            rowKey={(r) => r.id}
            empty="No reports requested yet."
            columns={[
              { header: 'Requested', cell: (r) => shortDateTime(r.createdAt) },
              { header: 'Period', cell: (r) => `${r.from.slice(0, 10)} → ${r.to.slice(0, 10)}` },
              { header: 'Format', cell: (r) => r.format },
              { header: 'Partner', cell: (r) => (r.partnerId ? partnerName(data.partners, r.partnerId) : 'All partners') },
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
