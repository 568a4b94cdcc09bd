import { writeFile } from 'node:fs/promises';
import { type Command, UsageError } from '@mobility/runtime';
import {
  DEFAULT_BUCKET_MS,
  isKpiName,
  KPI_NAMES,
  KPIS,
  type KpiQuery,
  kpiCsv,
  validateKpiQuery,
} from '../domain/kpi.js';
import { queryKpi } from '../store/kpi-queries.js';
import { connectArchive, parseArgs, parseDuration, parseInstant } from './support.js';

/** Rows carried in the JSON line itself; larger results go to --csv. */
const MAX_JSON_ROWS = 500;

/** `pnpm mobility kpi <name> --from --to [--bucket 1h] [--entities a,b] [--csv out.csv]`. */
export const kpiCommand: Command = {
  summary: 'planner KPIs over a window per route, intersection or facility (CSV export)',
  usage: `<${KPI_NAMES.join('|')}> --from <iso> --to <iso> [--bucket 1h] [--entities id,id] [--csv out.csv]`,
  async run(args, io) {
    const { flags, positional } = parseArgs(args, ['from', 'to', 'bucket', 'entities', 'csv']);
    const name = positional[0];
    if (!name || !isKpiName(name)) {
      for (const kpi of KPI_NAMES) io.say(`  ${kpi.padEnd(20)} ${KPIS[kpi].summary}`);
      throw new UsageError(name ? `unknown KPI ${name}` : 'name a KPI');
    }
    const query: KpiQuery = {
      kpi: name,
      from: parseInstant('from', flags.get('from')),
      to: parseInstant('to', flags.get('to')),
      bucketMs: flags.has('bucket')
        ? parseDuration('bucket', flags.get('bucket') as string)
        : DEFAULT_BUCKET_MS,
      entityIds: (flags.get('entities') ?? '')
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    };
    try {
      validateKpiQuery(query);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const definition = KPIS[name];
    const archive = await connectArchive(io);
    try {
      const rows = await queryKpi(archive.db, archive.timescale, query);
      const csvPath = flags.get('csv');
      if (csvPath) {
        await writeFile(csvPath, kpiCsv(definition, rows));
        io.say(`${rows.length} rows written to ${csvPath}`);
      } else {
        io.say(kpiCsv(definition, rows.slice(0, 50)).trimEnd());
        if (rows.length > 50) io.say(`... ${rows.length - 50} more rows (use --csv)`);
      }
      const round = (value: number) => (Number.isFinite(value) ? Math.round(value * 1000) / 1000 : null);
      return {
        kpi: name,
        entity_kind: definition.entityKind,
        from: new Date(query.from).toISOString(),
        to: new Date(query.to).toISOString(),
        bucket_s: query.bucketMs / 1000,
        bucket_function: archive.timescale ? 'time_bucket' : 'date_bin',
        measures: definition.measures,
        row_count: rows.length,
        csv: csvPath ?? null,
        rows_truncated: rows.length > MAX_JSON_ROWS,
        rows: rows.slice(0, MAX_JSON_ROWS).map((row) => ({
          bucket_start: new Date(row.bucketStart).toISOString(),
          [`${definition.entityKind}_id`]: row.entityId,
          ...Object.fromEntries(
            definition.measures.map((measure, i) => [measure, round(row.values[i] ?? Number.NaN)]),
          ),
        })),
      };
    } finally {
      await archive.close();
    }
  },
};
