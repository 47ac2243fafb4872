// Entry of a bill render thread (services/bill-render-pool.ts). A worker thread does not inherit
// the TypeScript loader the process runs under, so it registers tsx's own before loading the code.
'use strict';
require('tsx/cjs');
require('./bill-render-thread.ts');
