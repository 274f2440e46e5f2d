#!/usr/bin/env node
// `npm start`, `npm run worker`, `npm run server`, `npm run demo`: builds dist/ when the sources are newer, then runs the
// compiled entry point.
'use strict';
const path = require('node:path');
const { DIST, ensureBuilt } = require('./build-state');

const ENTRIES = {
  start: { module: 'scripts/start.js', run: 'main', tag: '' },
  worker: { module: 'worker/main.js', run: 'runWorker', tag: '[worker] ' },
  server: { module: 'server/main.js', run: 'runServer', tag: '[server] ' },
  demo: { module: 'scripts/demo.js', run: 'main', tag: '[demo] ' },
};

const entry = ENTRIES[process.argv[2]];
if (!entry) {
  console.error(`usage: node bin/run.js ${Object.keys(ENTRIES).join('|')}`);
  process.exit(2);
}
try {
  ensureBuilt();
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
require(path.join(DIST, entry.module))[entry.run]().catch((err) => {
  console.error(`${entry.tag}${entry.tag ? '' : 'error: '}${err.message}`);
  process.exit(1);
});
