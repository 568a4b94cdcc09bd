import { parse } from 'csv-parse/sync';

/** A row mapper's verdict on a bad row: skip it and report why. */
export class RowError extends Error {}

/** Column access for one file: indices resolved once from the header, values trimmed, '' = absent. */
export class Columns {
  private readonly index: Map<string, number>;
  constructor(header: readonly string[]) {
    this.index = new Map(header.map((name, i) => [name.trim().toLowerCase(), i]));
  }
  has(name: string): boolean {
    return this.index.has(name);
  }
  /** A getter for one column, undefined when the column is missing or the value is empty. */
  field(name: string): (fields: readonly string[]) => string | undefined {
    const i = this.index.get(name);
    if (i === undefined) return () => undefined;
    return (fields) => {
      const value = fields[i];
      if (value === undefined) return undefined;
      const trimmed = value.trim();
      return trimmed === '' ? undefined : trimmed;
    };
  }
}

export interface CsvProblem {
  line: number;
  message: string;
  severity: 'error' | 'warning';
}

/**
 * Parses one GTFS CSV file row by row. Quoting, CRLF, a UTF-8 BOM and spaces around fields are
 * handled by csv-parse; a row the parser rejects (e.g. a stray quote) or the mapper rejects is
 * reported with its line and skipped, so one bad row never costs the rest of the file.
 */
export function parseCsv<T>(
  text: string,
  makeMapper: (columns: Columns) => (fields: readonly string[], warn: (message: string) => void) => T,
  problems: CsvProblem[],
): T[] {
  const rows: T[] = [];
  let mapper: ((fields: readonly string[], warn: (message: string) => void) => T) | undefined;
  let line = 0;
  const warn = (message: string) => problems.push({ line, message, severity: 'warning' });
  parse(text, {
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error) => {
      problems.push({
        line: Number((error as { lines?: number } | undefined)?.lines ?? 0),
        message: error?.message ?? 'unreadable row',
        severity: 'error',
      });
      return undefined;
    },
    on_record: (record: string[], context) => {
      line = context.lines;
      if (!mapper) {
        mapper = makeMapper(new Columns(record));
        return null;
      }
      // A line of only separators (",,,") is noise some exporters leave behind, not a row.
      if (record.every((value) => value.trim() === '')) return null;
      try {
        rows.push(mapper(record, warn));
      } catch (error) {
        if (!(error instanceof RowError)) throw error;
        problems.push({ line, message: error.message, severity: 'error' });
      }
      return null;
    },
  });
  return rows;
}
