// Where the checkout is, whether this code runs from its TypeScript source (tsx) or compiled into dist/
// (`npm run build`): the nearest folder up that holds package.json. Assets (the pages' static files, the
// examples) and the project's tools (.temporal/, .tools/) are found from it, never from a module's own folder.
import fs from 'node:fs';
import path from 'node:path';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PROJECT_ROOT = findRoot(__dirname);

/** A module beside `file` (a caller's __filename), in the caller's own form: .ts from source, .js compiled. */
export const siblingModule = (file: string, name: string): string =>
  path.join(path.dirname(file), `${name}${path.extname(file)}`);
