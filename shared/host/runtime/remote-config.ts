// The readers of a remote config, which load-config imports on first use. A module of their own, so the
// bundler gives them a chunk: importing the storage index itself by `import()` would keep every store in the
// startup files of any function that also imports that index statically (drDrill, backupVerify).
export { readGcsObject, readUrl } from '../../adapters/storage/index.js';
