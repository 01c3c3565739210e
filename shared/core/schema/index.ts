/**
 * The schema kit every opsfn module validates with: zod's tree-shakable `zod/mini` API, so a deployed
 * bundle carries (and a cold start parses) only the validators it uses, with English issue messages.
 * Import it as a namespace: `import * as z from '…/shared/core/schema/index.js'`.
 */

export { reject } from './reject.js';
export * from './zod.js';
