// Where the data and the keys live, from the environment: part of loadConfig, and all that the commands which
// touch nothing but the keyring read (`disposition package build|open`), without the rest of the settings.
import path from 'node:path';

export const DEFAULT_DISTRICT_NAME = 'The School District';

export function dataPlaces(env: NodeJS.ProcessEnv): { dataDir: string; keysDir: string; districtName: string } {
  const dataDir = path.resolve(env.DATA_DIR || './data');
  return {
    dataDir,
    keysDir: path.resolve(env.KEYS_DIR || path.join(dataDir, 'keys')),
    districtName: env.DISTRICT_NAME || DEFAULT_DISTRICT_NAME,
  };
}
