import { useState } from 'react';
import { useQuery } from 'urql';
import { Badge, Card, Field, Loading, PageHeader, Table } from '../components/ui';
import { graphql } from '../gql';
import { shortDateTime } from '../lib/format';

const AuditDoc = graphql(`
  query Audit($entity: String, $actorId: ID, $after: String) {
    auditEvents(first: 25, entity: $entity, actorId: $actorId, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          action
          entity
          entityId
          before
          after
          reason
          at
          actor {
            id
            name
            role
          }
        }
      }
    }
    apiKeys {
      id
      label
      role
    }
  }
`);

const ENTITIES = [
  'SharePolicy',
  'Market',
  'InventoryLot',
  'Partner',
  'ApiKey',
  'ExportRule',
  'ExportLicense',
  'Payment',
  'SettlementReport',
  'Sku',
  'Region',
];

export function AuditPage() {
  const [entity, setEntity] = useState('');
  const [actorId, setActorId] = useState('');
  const [after, setAfter] = useState<string | null>(null);
  const [{ data, fetching }] = useQuery({
    query: AuditDoc,
    variables: { entity: entity || null, actorId: actorId || null, after },
    requestPolicy: 'cache-and-network',
  });
  return (
    <>
      <PageHeader
        title="Audit"
        description="Every change by staff, with who, when, before and after, and why; recorded in the same transaction as the change."
      />
      <Card title="Activity log" actions={data && <span className="text-xs text-slate-500">{data.auditEvents.totalCount} events</span>}>
        <form aria-label="Audit filters" className="mb-4 grid max-w-xl grid-cols-2 gap-3" onSubmit={(e) => e.preventDefault()}>
          <Field label="Entity">
            {(p) => (
              <select {...p} value={entity} onChange={(e) => (setEntity(e.target.value), setAfter(null))}>
                <option value="">Every entity</option>
                {ENTITIES.map((x) => (
                  <option key={x}>{x}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Actor">
            {(p) => (
              <select {...p} value={actorId} onChange={(e) => (setActorId(e.target.value), setAfter(null))}>
                <option value="">Everyone</option>
                {data?.apiKeys.map((k) => (
                  <option key={k.id} value={k.id}>
                    {k.label} ({k.role})
                  </option>
                ))}
              </select>
            )}
          </Field>
        </form>
        {!data ? (
          <Loading />
        ) : (
          <>
            <Table
              label="Audit events"
              rows={data.auditEvents.edges.map((e) => e.node)}
              rowKey={(e) => e.id}
              empty="No events match."
              columns={[
                { header: 'When', cell: (e) => shortDateTime(e.at) },
                { header: 'Actor', cell: (e) => `${e.actor.name} (${e.actor.role})` },
                { header: 'Action', cell: (e) => <Badge tone="indigo">{e.action}</Badge> },
                { header: 'Entity', cell: (e) => `${e.entity}${e.entityId ? ` ${e.entityId.slice(0, 8)}` : ''}` },
                { header: 'Change', cell: (e) => <Change before={e.before} after={e.after} /> },
                { header: 'Reason', cell: (e) => <span className="whitespace-normal">{e.reason ?? '—'}</span> },
              ]}
            />
            <div className="mt-4 flex justify-end gap-2">
              {after && (
                <button type="button" className="text-sm font-medium text-indigo-600" onClick={() => setAfter(null)}>
                  Newest
                </button>
              )}
              {data.auditEvents.pageInfo.hasNextPage && (
                <button
                  type="button"
                  disabled={fetching}
                  className="text-sm font-medium text-indigo-600"
                  onClick={() => setAfter(data.auditEvents.pageInfo.endCursor ?? null)}
                >
                  Older events
                </button>
              )}
            </div>
          </>
        )}
      </Card>
    </>
  );
}

function Change({ before, after }: { before?: string | null; after?: string | null }) {
  const text = (json: string | null | undefined) => (json ? json.replace(/[{}"]/g, '').replace(/,/g, ', ').replace(/:/g, ': ') : '∅');
  return (
    <div className="max-w-xl min-w-[24rem] font-mono text-xs break-words whitespace-normal text-slate-600">
      <span className="text-slate-400">{text(before)}</span> → <span>{text(after)}</span>
    </div>
  );
}
