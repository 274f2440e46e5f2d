// The scale drill's global setup: it starts its own services (PostgreSQL, MinIO, a Temporal server); whichever of
// them this run started is stopped at its end, also when the drill's own hooks failed or timed out halfway.
import { stopWhatStartsFromNow } from '../../scripts/services/services';

export default function setup(): () => Promise<void> {
  return stopWhatStartsFromNow((line) => console.log(`[services] ${line}`));
}
