// The access log and the intrusion analysis, for administrators (7400.1 I.C, I.D, I.H).
import type { FastifyInstance } from 'fastify';
import { auditCsv, auditQuerySchema, intrusionQuerySchema, range } from '../../client/access-log-export';
import { analyzeIntrusions, intrusionCsv, intrusionPdf } from '../../client/intrusion-analysis';
import type { ServerContext } from '../server-context';
import { parseInput } from '../../domain/parse-input';

export function registerAuditApi(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/api/audit',
    {
      config: {
        doc: {
          summary: 'The access log, for a case or a time range, with the verdict on its hash chain (7400.1 I.D, I.H)',
          auth: 'session',
          roles: ['admin'],
          query: auditQuerySchema,
          ok: {
            status: 200,
            content: ['application/json', 'text/csv'],
            description: 'format=json (the default): {entries, chain, intrusionChain}; format=csv: one row per entry',
          },
          refusals: [400],
        },
      },
    },
    async (request, reply) => {
      ctx.auth.require(request, ['admin']);
      const query = parseInput(auditQuerySchema, request.query, 'query');
      const window = query.from || query.to ? range(query.from, query.to, 36500) : {};
      const entries = await ctx.accessLog.list({ ...(query.caseId ? { caseId: query.caseId } : {}), ...window });
      if (query.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('Content-Disposition', 'attachment; filename="access-log.csv"')
          .send(auditCsv(entries));
      }
      return {
        entries: entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
        chain: await ctx.accessLog.verify(),
        intrusionChain: await ctx.accessLog.verifyIntrusions(),
      };
    },
  );

  app.get(
    '/api/intrusions/analysis',
    {
      config: {
        doc: {
          summary: 'Intrusion analysis: attempts by source and kind, with dates, times and places (7400.1 I.C)',
          auth: 'session',
          roles: ['admin'],
          query: intrusionQuerySchema,
          ok: {
            status: 200,
            content: ['application/json', 'text/csv', 'application/pdf'],
            description: 'format=json (the default), csv or pdf',
          },
          refusals: [400],
        },
      },
    },
    async (request, reply) => {
      ctx.auth.require(request, ['admin']);
      const query = parseInput(intrusionQuerySchema, request.query, 'query');
      const window = range(query.from, query.to);
      const events = await ctx.accessLog.intrusions(window);
      const analysis = analyzeIntrusions(events, window.from, window.to);
      if (query.format === 'csv')
        return reply
          .type('text/csv; charset=utf-8')
          .header('Content-Disposition', 'attachment; filename="intrusion-analysis.csv"')
          .send(intrusionCsv(analysis, events));
      if (query.format === 'pdf')
        return reply
          .type('application/pdf')
          .header('Content-Disposition', 'attachment; filename="intrusion-analysis.pdf"')
          .send(await intrusionPdf(analysis, ctx.config.districtName, Date.now()));
      return analysis;
    },
  );
}
