// 7400.1 I.C: "an intrusion analysis setting out to the extent possible the dates, times, and places or other
// applicable information of attempted intrusions". Disposition gives its own, grouped by source and kind.
import type { IntrusionEvent } from '../infra/database/access-log';
import { renderStatementPdf } from '../infra/statement/statement-pdf';
import { toCsv } from '../domain/csv';

export interface SourceSummary {
  ip: string;
  total: number;
  kinds: Record<string, number>;
  firstAt: string;
  lastAt: string;
  paths: string[];
  userAgents: string[];
}

export interface IntrusionAnalysis {
  from: string;
  to: string;
  total: number;
  byKind: Record<string, number>;
  bySource: SourceSummary[];
  events: { at: string; ip: string; kind: string; path: string; reason: string; userAgent: string }[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function analyzeIntrusions(events: IntrusionEvent[], from: number, to: number): IntrusionAnalysis {
  const byKind: Record<string, number> = {};
  const sources = new Map<string, SourceSummary & { paths: string[]; userAgents: string[] }>();
  for (const e of events) {
    byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
    const source = sources.get(e.ip) ?? {
      ip: e.ip,
      total: 0,
      kinds: {},
      firstAt: iso(e.at),
      lastAt: iso(e.at),
      paths: [],
      userAgents: [],
    };
    source.total += 1;
    source.kinds[e.kind] = (source.kinds[e.kind] ?? 0) + 1;
    source.lastAt = iso(e.at);
    if (!source.paths.includes(e.path) && source.paths.length < 10) source.paths.push(e.path);
    if (e.userAgent && !source.userAgents.includes(e.userAgent) && source.userAgents.length < 5)
      source.userAgents.push(e.userAgent);
    sources.set(e.ip, source);
  }
  return {
    from: iso(from),
    to: iso(to),
    total: events.length,
    byKind,
    bySource: [...sources.values()].sort((a, b) => b.total - a.total || (a.ip < b.ip ? -1 : 1)),
    events: events.map((e) => ({
      at: iso(e.at),
      ip: e.ip,
      kind: e.kind,
      path: e.path,
      reason: e.reason,
      userAgent: e.userAgent,
    })),
  };
}

/** One row per source and kind, with counts and first and last times. */
export function intrusionCsv(analysis: IntrusionAnalysis, events: IntrusionEvent[]): string {
  const rows: unknown[][] = [];
  for (const source of analysis.bySource) {
    for (const [kind, count] of Object.entries(source.kinds)) {
      const mine = events.filter((e) => e.ip === source.ip && e.kind === kind);
      rows.push([
        source.ip,
        kind,
        count,
        iso(mine[0]!.at),
        iso(mine.at(-1)!.at),
        source.paths.join(' '),
        source.userAgents.join(' | '),
      ]);
    }
  }
  return toCsv(['ip', 'kind', 'count', 'first_at', 'last_at', 'paths', 'user_agents'], rows);
}

export function intrusionPdf(analysis: IntrusionAnalysis, districtName: string, issuedAt: number): Promise<Buffer> {
  return renderStatementPdf({
    title: 'Intrusion Analysis',
    statementId: `${analysis.from.slice(0, 10)}_${analysis.to.slice(0, 10)}`,
    issuedAt: new Date(issuedAt),
    subject: `Attempted intrusions into Disposition, ${analysis.from} to ${analysis.to}`,
    sections: [
      {
        heading: 'Scope (7400.1 I.C)',
        paragraphs: [
          `Refused sign-ins, refused vendor links, CSRF failures, role refusals, rate-limit hits and malformed uploads seen by ${districtName}'s Disposition server between ${analysis.from} and ${analysis.to}: ${analysis.total} event(s) from ${analysis.bySource.length} source(s).`,
        ],
      },
      {
        heading: 'By kind',
        table: {
          columns: ['Kind', 'Events'],
          widths: [300, 100],
          rows: Object.entries(analysis.byKind).map(([k, n]) => [k, String(n)]),
        },
      },
      {
        heading: 'By source',
        table: {
          columns: ['Source (IP)', 'Events', 'Kinds', 'First', 'Last'],
          widths: [110, 50, 150, 95, 95],
          rows: analysis.bySource.map((s) => [
            s.ip,
            String(s.total),
            Object.entries(s.kinds)
              .map(([k, n]) => `${k} ${n}`)
              .join(', '),
            s.firstAt.replace('T', ' ').slice(0, 19),
            s.lastAt.replace('T', ' ').slice(0, 19),
          ]),
        },
      },
      {
        heading: 'Events',
        table: {
          columns: ['When (UTC)', 'Source', 'Kind', 'Where', 'Why'],
          widths: [95, 80, 80, 100, 145],
          rows: analysis.events
            .slice(0, 2000)
            .map((e) => [e.at.replace('T', ' ').slice(0, 19), e.ip, e.kind, e.path, e.reason.slice(0, 120)]),
        },
      },
    ],
    footer: `${districtName} · intrusion analysis · policy 7400.1 I.C`,
  });
}
