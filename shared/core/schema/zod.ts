import { en } from 'zod/locales';
import { config } from 'zod/mini';

// zod/mini sets no locale: without one, every issue would read "Invalid input". This module is the one
// `package.json` declares with a side effect, so a tree-shaken bundle keeps this call.
config(en());

export * from 'zod/mini';
