import type { LinkTaskKind, TaskKind } from './statuses';

/** Deterministic update ids (`<task>-<gen>-<action>`): a repeated request answers with the first result. */
export const updateId = (task: TaskKind | LinkTaskKind | 'case', gen: number, action: string): string =>
  `${task}-${gen}-${action}`;

/** The update id of an action through a link: a subprocessor's names its subprocessor (each certifies once). */
export const linkUpdateId = (
  link: { task: LinkTaskKind; gen: number; sub?: string | undefined },
  action: string,
): string => updateId(link.task, link.gen, link.sub ? `${action}-${link.sub}` : action);

/** FNV-1a, as 8 hex digits: short, stable, and loadable in the workflow bundle (no node:crypto). */
export function textHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}
