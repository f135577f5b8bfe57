import { useQuery } from 'urql';
import { SelectField } from '../components/fields';
import { FilterBar } from '../components/forms';
import { Pager, Table } from '../components/table';
import { Badge, Card, CardNote, Loading, PageHeader } from '../components/ui';
import { graphql } from '../gql';
import { shortDateTime } from '../lib/format';
import { nodes, useCursor } from '../lib/query';
import { useFields } from '../lib/use-form';

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
  const cursor = useCursor();
  const filters = useFields({ entity: '', actorId: '' }, cursor.newest);
  const { entity, actorId } = filters.values;
  const [{ data, fetching }] = useQuery({
    query: AuditDoc,
    variables: { entity: entity || null, actorId: actorId || null, after: cursor.after },
    requestPolicy: 'cache-and-network',
  });
  return (
    <>
      <PageHeader
        title="Audit"
        description="Every change by staff, with who, when, before and after, and why; recorded in the same transaction as the change."
      />
      <Card title="Activity log" actions={data && <CardNote>{data.auditEvents.totalCount} events</CardNote>}>
        <FilterBar label="Audit filters" className="mb-4 grid max-w-xl grid-cols-2 gap-3">
          <SelectField label="Entity" placeholder="Every entity" options={ENTITIES} {...filters.field('entity')} />
          <SelectField
            label="Actor"
            placeholder="Everyone"
            options={data?.apiKeys.map((k) => ({ value: k.id, label: `${k.label} (${k.role})` })) ?? []}
            {...filters.field('actorId')}
          />
        </FilterBar>
        {!data ? (
          <Loading />
        ) : (
          <>
            <Table
              label="Audit events"
              rows={nodes(data.auditEvents)}
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
            <Pager cursor={cursor} pageInfo={data.auditEvents.pageInfo} busy={fetching} older="Older events" />
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
