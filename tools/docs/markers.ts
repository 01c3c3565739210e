/**
 * Replaces what lies between `<!-- <name>:start … -->` and `<!-- <name>:end -->` in a document with
 * `content`, rewriting the start marker to say where the content comes from; throws when a marker is
 * missing, so a document cannot silently stop being generated.
 */
export function replaceMarked(document: string, name: string, content: string, source: string): string {
  const start = new RegExp(`<!-- ${name}:start[^>]*-->`);
  const end = `<!-- ${name}:end -->`;
  const from = document.search(start);
  const to = document.indexOf(end);
  if (from < 0 || to < from) throw new Error(`the ${name} markers are missing`);
  const marker = `<!-- ${name}:start (generated from ${source} by \`npm run docs\`; do not edit) -->`;
  return `${document.slice(0, from)}${marker}\n${content}\n${document.slice(to)}`;
}
