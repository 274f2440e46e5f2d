import type { LinkTaskKind, TaskKind } from './statuses';

/** Deterministic update ids (`<task>-<gen>-<action>`): a repeated request answers with the first result. */
export const updateId = (task: TaskKind | LinkTaskKind | 'case', gen: number, action: string): string => `${task}-${gen}-${action}`;

/** The update id of an action through a link: a subprocessor's names its subprocessor (each certifies once). */
export const linkUpdateId = (link: { task: LinkTaskKind; gen: number; sub?: string | undefined }, action: string): string =>
  updateId(link.task, link.gen, link.sub ? `${action}-${link.sub}` : action);
