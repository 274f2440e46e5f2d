// dist/ (`npm run build`) against the TypeScript it comes from. Plain JavaScript: it runs before anything is
// compiled. `fresh` is what bin/disposition.js asks at every start (a walk of the source folders' times, a few
// milliseconds); `ensureBuilt` is what `npm start`, `npm run worker` and `npm run server` do first.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const STAMP = path.join(DIST, '.build-stamp');
const SOURCES = ['domain', 'presentation', 'actions', 'workflows', 'activities', 'infra', 'worker', 'server', 'client', 'scripts'];
const INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const at = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(at);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(at).mtimeMs);
    }
  };
  for (const dir of SOURCES) walk(path.join(ROOT, dir));
  for (const file of INPUTS) {
    try {
      newest = Math.max(newest, fs.statSync(path.join(ROOT, file)).mtimeMs);
    } catch {
      // not there
    }
  }
  return newest;
}

/** Whether dist/ holds a build at least as new as every source (its stamp carries the time the build began). */
function fresh() {
  let built;
  try {
    built = fs.statSync(STAMP).mtimeMs;
  } catch {
    return false;
  }
  return newestSource() <= built;
}

/** Builds dist/ unless it is fresh: tsc with tsconfig.build.json, then the usage text, then the stamp. */
function ensureBuilt(log = (line) => console.error(line)) {
  if (fresh()) return;
  const began = new Date();
  log('[build] compiling to dist/ (npm run build) …');
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  if (compiled.status !== 0) throw new Error('the build failed (see above); `npm run build` shows the same');
  const { USAGE } = require(path.join(DIST, 'client', 'cli-usage.js'));
  fs.writeFileSync(path.join(DIST, 'cli-usage.txt'), `${USAGE}\n`);
  fs.writeFileSync(STAMP, `${began.toISOString()}\n`);
  fs.utimesSync(STAMP, began, began);
  log(`[build] done in ${((Date.now() - began.getTime()) / 1000).toFixed(1)} s`);
}

module.exports = { ROOT, DIST, fresh, ensureBuilt };

if (require.main === module) {
  try {
    // `prepare` (npm install) asks with --if-possible: an install without devDependencies has no TypeScript, and
    // runs the sources through tsx instead.
    if (process.argv.includes('--if-possible')) {
      try {
        require.resolve('typescript/bin/tsc', { paths: [ROOT] });
      } catch {
        console.log('[build] TypeScript is not installed (devDependencies left out): dist/ is not built; the sources run through tsx');
        process.exit(0);
      }
    }
    ensureBuilt((line) => console.log(line));
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
