// The audit report as JSON: the contract's fields in the order the report builds them.
import type { AuditReport } from './report.js';

/** Two-space indented, one final newline: the same report gives the same bytes. */
export function renderJson(r: AuditReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}
