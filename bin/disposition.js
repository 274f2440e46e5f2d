#!/usr/bin/env node
// The `disposition` command: runs the TypeScript CLI through tsx.
require('tsx/cjs');
const { runCli } = require('../client/cli.ts');
runCli(process.argv.slice(2)).then((code) => process.exit(code));
