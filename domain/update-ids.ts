import type { TaskKind } from './statuses';

/** Deterministic update ids (`<task>-<gen>-<action>`): a repeated request answers with the first result. */
export const updateId = (task: TaskKind | 'case', gen: number, action: string): string => `${task}-${gen}-${action}`;
