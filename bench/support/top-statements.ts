import { Client } from 'pg';

/** Runs one statement on a connection of its own. */
export async function sql(url: string, text: string): Promise<Record<string, any>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

/**
 * The statements Postgres spent the most time on while `work` ran, as a markdown table, from
 * pg_stat_statements (the benchmark's Postgres loads it; elsewhere the table says it is not there).
 */
export async function topStatements<T>(
  url: string,
  stage: string,
  work: () => Promise<T>,
  limit = 10,
): Promise<{ measured: T; statements: string[] }> {
  const available = await sql(url, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements').then(
    () => sql(url, 'SELECT pg_stat_statements_reset()').then(() => true),
    () => false,
  );
  const measured = await work();
  if (!available) return { measured, statements: ['- pg_stat_statements is not loaded on this Postgres: no statement figures.'] };
  const rows = await sql(
    url,
    `SELECT calls, total_exec_time / calls AS exec_ms, total_plan_time / greatest(calls, 1) AS plan_ms,
            total_exec_time + total_plan_time AS total_ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls > 0
      ORDER BY total_exec_time + total_plan_time DESC LIMIT ${limit}`,
  );
  const total = rows.reduce((sum, r) => sum + Number(r.total_ms), 0);
  return {
    measured,
    statements: [
      `| statement (${stage}) | calls | exec ms/call | plan ms/call | share of the top ${limit} |`,
      '| --- | ---: | ---: | ---: | ---: |',
      ...rows.map(
        (r) =>
          `| \`${String(r.query).replaceAll('|', '\\|')}\` | ${r.calls} | ${Number(r.exec_ms).toFixed(3)} | ${Number(r.plan_ms).toFixed(3)} | ${((100 * Number(r.total_ms)) / total).toFixed(0)} % |`,
      ),
    ],
  };
}
