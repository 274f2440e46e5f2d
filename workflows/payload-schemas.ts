// The update payload schemas (domain/actions), loaded the first time this workflow validates an update.
// Every workflow in the worker's cache has its own copy of each module it loads, and the schemas (with the API
// bodies they extend) weighed about half a MiB a case: a case waiting weeks on its vendor never needs them.
// Validators run on new updates only, never on replay, so a case brought back into the cache after eviction
// loads them again only when someone acts on it.
import type * as Actions from '../domain/actions';
import type * as Messages from '../domain/messages';

let loaded: { actions: typeof Actions; messages: typeof Messages } | undefined;

export function payloadSchemas(): { actions: typeof Actions; messages: typeof Messages } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= { actions: require('../domain/actions') as typeof Actions, messages: require('../domain/messages') as typeof Messages };
  return loaded;
}
