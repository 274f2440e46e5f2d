#!/usr/bin/env node
// The `disposition` command: the compiled CLI from dist/ when `npm run build` made it from the sources as they
// are, else the TypeScript CLI through tsx (slower to start; `npm run build` or `npm start` makes dist/).
// A reader that goes away (`disposition … | head`) ends the command quietly, as Unix tools do.
'use strict';
process.stdout.on('error', (err) => process.exit(err.code === 'EPIPE' ? 0 : 1));
const path = require('node:path');
const { DIST, fresh } = require('./build-state');

const args = process.argv.slice(2);
// `package build|open` touch the keyring and files only: their own module, without every other command's.
const packaging = args[0] === 'package' && (args[1] === 'build' || args[1] === 'open');
const compiled = fresh();
let run;
if (compiled) {
  // Help needs none of the commands: the build wrote its text.
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    process.stdout.write(require('node:fs').readFileSync(path.join(DIST, 'cli-usage.txt')));
    process.exit(0);
  }
  run = packaging ? require(path.join(DIST, 'client', 'package-command.js')).runPackageCommand : require(path.join(DIST, 'client', 'cli.js')).runCli;
} else {
  // tsx's hook for `require` of a .ts file (its ESM hook, for `import()`, is registered below).
  require('tsx/cjs');
  run = packaging ? require('../client/package-command.ts').runPackageCommand : require('../client/cli.ts').runCli;
}
const line = (stream) => (text) => stream.write(`${text}\n`);
// From the sources, the `import()` a command loads its modules with needs tsx's ESM hook too.
const ready = compiled ? Promise.resolve() : import('tsx/esm/api').then((tsx) => void tsx.register());
ready.then(() => run(args, line(process.stdout), line(process.stderr))).then((code) => process.exit(code));
