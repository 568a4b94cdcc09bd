import { RULE_BY_CODE, type Severity } from './rules.js';

/** One finding: which rule, on which entity (FeedEntity.id), and what exactly is wrong. */
export interface Notice {
  code: string;
  severity: Severity;
  entityId?: string;
  message: string;
}

/**
 * The checker's result. `errors`/`warnings` count every occurrence per rule code (only codes that
 * occurred); `notices` keeps the first `maxNoticesPerCode` occurrences of each code for people.
 * `skipped` lists rules that could not run for lack of input (previous feed, current time,
 * companion feed), so a clean report never hides an unchecked rule.
 */
export interface ValidationReport {
  errors: Record<string, number>;
  warnings: Record<string, number>;
  entities: number;
  notices: Notice[];
  skipped: string[];
}

/** Collects notices while the checks run. */
export class ReportBuilder {
  private readonly errors: Record<string, number> = {};
  private readonly warnings: Record<string, number> = {};
  private readonly notices: Notice[] = [];
  private readonly skipped = new Set<string>();

  constructor(private readonly maxNoticesPerCode: number) {}

  add(code: string, entityId: string | undefined, message: string): void {
    const rule = RULE_BY_CODE.get(code);
    if (!rule) throw new Error(`unknown rule ${code}`);
    const counts = rule.severity === 'error' ? this.errors : this.warnings;
    const count = (counts[code] ?? 0) + 1;
    counts[code] = count;
    if (count <= this.maxNoticesPerCode) {
      this.notices.push({
        code,
        severity: rule.severity,
        ...(entityId === undefined ? {} : { entityId }),
        message,
      });
    }
  }

  skip(...codes: string[]): void {
    for (const code of codes) this.skipped.add(code);
  }

  build(entities: number): ValidationReport {
    return {
      errors: sortKeys(this.errors),
      warnings: sortKeys(this.warnings),
      entities,
      notices: this.notices,
      skipped: [...this.skipped].sort(),
    };
  }
}

function sortKeys(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
