#!/usr/bin/env node
// The `disposition` command: runs the TypeScript CLI through tsx.
// A reader that goes away (`disposition … | head`) ends the command quietly, as Unix tools do.
process.stdout.on('error', (err) => process.exit(err.code === 'EPIPE' ? 0 : 1));
require('tsx/cjs');
const { runCli } = require('../client/cli.ts');
runCli(process.argv.slice(2)).then((code) => process.exit(code));
