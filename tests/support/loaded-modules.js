// Preloaded with --require: at exit, writes every module the process loaded (require's cache) to the file named
// by LOADED_MODULES_FILE, so a test can tell what a command needed to load.
'use strict';
const fs = require('node:fs');
process.on('exit', () => {
  if (process.env.LOADED_MODULES_FILE)
    fs.writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify(Object.keys(require.cache)));
});
