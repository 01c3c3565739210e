import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  ConfigError,
  compiles,
  type Estate,
  type EstateSchema,
  formatZodIssues,
  isTimeZone,
} from '../../core/config/index.js';
import { errorMessage } from '../../core/errors/index.js';

/** Config files are small; anything larger is a mistake or an attack. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Reads a remote config object (`gs://`, `s3://`); injected so tests and the CLI share one loader. */
export type RemoteReader = (url: string, maxBytes: number) => Promise<Buffer>;

/**
 * An estate validated ahead of time, when a bundle was built (`npm run bundle -- --estate FILE`): the digest of its
 * document and what validating it against the bundle's own schema gave, as JSON. A config whose document has this
 * digest is that estate, so the schema is not run again at start; any other config is validated as always.
 */
export interface ValidatedEstate {
  /** `documentDigest` of the config document that was validated. */
  digest: string;
  /** The Node major and time-zone data the build validated on (`validationRuntime`), for the log. */
  runtime: string;
  /**
   * What validation asked of the runtime rather than the document (`runtimeChecksOf`): the time zones it looked up
   * in the ICU data and the patterns it compiled (regular-expression syntax grows with V8). The rest is the bundle's
   * own code (zod, croner, opsfn's checks) and what ECMAScript and the WHATWG URL standard define alike on every
   * Node. A start on another Node or time-zone data takes the estate only if it knows each of these zones and
   * compiles each of these patterns, and validates the config otherwise.
   */
  zones: string[];
  patterns: string[];
  /** The validated estate, JSON (validation's output is plain data: the bundle build checks it reads back equal). */
  estate: string;
}

/**
 * The estate schema, or how to get it when a config needs validating: a bundle imports its schemas on that first
 * need, so a start whose config is the estate it carries validated never builds them.
 */
export type EstateSchemaSource = EstateSchema | (() => EstateSchema | Promise<EstateSchema>);

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  readRemote?: RemoteReader;
  /** The estate this bundle validated when it was built; used only for a config with the same document. */
  validated?: ValidatedEstate;
  /** Told when the config was that estate (logged by the runtime once it has a logger). */
  onValidated?: (digest: string) => void;
  /** Told why a config was validated although the bundle carries an estate (another document, another Node). */
  onNotValidated?: (why: string) => void;
}

/** The Node major and time-zone data a validation runs on (see `ValidatedEstate.runtime`). */
export function validationRuntime(): string {
  return `node ${process.versions.node.split('.')[0]}, tz ${process.versions.tz ?? 'unknown'}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  // JSON would write -0 as 0 and NaN or ±Infinity (YAML's .nan, .inf) as null: spelled out, they digest apart.
  if (typeof value === 'number' && (Object.is(value, -0) || !Number.isFinite(value)))
    return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * SHA-256 of a config document in canonical JSON (keys sorted at every level): the same for the estate YAML and
 * the JSON Terraform uploads from it (`jsonencode(yamldecode(...))` sorts keys and escapes otherwise).
 */
export function documentDigest(document: unknown): string {
  return createHash('sha256').update(canonicalJson(document)).digest('hex');
}

// gs:// (how deployed functions get their config) is one plain request, not the Storage client.
async function defaultRemoteReader(url: string, maxBytes: number, env: NodeJS.ProcessEnv): Promise<Buffer> {
  const gs = /^gs:\/\/([^/]+)\/(.+)$/.exec(url);
  if (gs?.[1] && gs[2] && !gs[2].endsWith('/')) {
    const { readGcsObject } = await import('./remote-config.js');
    return readGcsObject(gs[1], gs[2], { maxBytes, env });
  }
  const { readUrl } = await import('./remote-config.js');
  return readUrl(url, { maxBytes });
}

/**
 * Validates an already parsed config document against the estate schema; throws ConfigError naming each bad path.
 * A document that is the `validated` estate's (same digest) gets that estate without running the schema.
 */
export function parseConfig(
  schema: EstateSchema,
  document: unknown,
  source = 'config',
  options: Pick<LoadConfigOptions, 'validated' | 'onValidated' | 'onNotValidated'> = {},
): Estate {
  const taken = takeValidated(document, options);
  if (taken) return taken;
  const parsed = schema.safeParse(document ?? {});
  if (!parsed.success) throw new ConfigError(source, formatZodIssues(parsed.error));
  return parsed.data;
}

/** The carried estate when `document` is the one it was validated from (a fresh copy), else undefined. */
function takeValidated(
  document: unknown,
  options: Pick<LoadConfigOptions, 'validated' | 'onValidated' | 'onNotValidated'>,
): Estate | undefined {
  const { validated } = options;
  if (!validated) return undefined;
  const digest = documentDigest(document ?? {});
  if (digest !== validated.digest) {
    options.onNotValidated?.(`its document (sha256 ${digest.slice(0, 12)}) is not the estate the bundle carries`);
    return undefined;
  }
  const runtime = validationRuntime();
  // The same Node major and time-zone data give the same answers; another runtime is asked again.
  if (runtime !== validated.runtime) {
    const zone = validated.zones.find((tz) => !isTimeZone(tz));
    const pattern = zone === undefined ? validated.patterns.find((p) => !compiles(p)) : undefined;
    const why =
      zone !== undefined
        ? `does not know its time zone "${zone}"`
        : pattern !== undefined
          ? `does not compile its pattern /${pattern}/`
          : undefined;
    if (why !== undefined) {
      options.onNotValidated?.(`the bundle validated it on ${validated.runtime}; this runtime (${runtime}) ${why}`);
      return undefined;
    }
  }
  options.onValidated?.(digest);
  return JSON.parse(validated.estate) as Estate;
}

/** The plain scalars YAML 1.1 (Terraform's `yamldecode`) reads as booleans and YAML 1.2 as strings. */
const YAML11_BOOLEAN = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;

/**
 * Parses YAML (or JSON) text and validates it against the estate schema. JSON, which Terraform deploys, is
 * read with `JSON.parse`; only YAML loads the YAML parser, which would otherwise weigh on every cold start.
 */
export async function parseConfigText(
  schema: EstateSchemaSource,
  text: string,
  source = 'config',
  options: Pick<LoadConfigOptions, 'validated' | 'onValidated' | 'onNotValidated'> = {},
): Promise<Estate> {
  const document = await readConfigDocument(text, source);
  const taken = takeValidated(document, options);
  if (taken) return taken;
  return parseConfig(typeof schema === 'function' ? await schema() : schema, document, source);
}

/**
 * The document of config text, JSON or YAML, before any schema: a YAML scalar that Terraform's YAML 1.1 would read
 * otherwise, an alias bomb or a syntax error is a ConfigError.
 */
export async function readConfigDocument(text: string, source = 'config'): Promise<unknown> {
  const json = jsonDocument(text);
  if (json !== undefined) return json.value;
  const { parseDocument, visit, isScalar } = await import('yaml');
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0)
    throw new ConfigError(
      source,
      doc.errors.map((e) => `yaml: ${e.message.split('\n')[0]}`),
    );
  // Terraform deploys this file through `yamldecode`, which reads YAML 1.1: a plain yes/no/on/off/y/n is a boolean
  // there and a string here, so the deployed functions would see another value than `config validate` checked.
  const ambiguous: string[] = [];
  visit(doc, {
    Scalar(_key, node) {
      if (
        isScalar(node) &&
        node.type === 'PLAIN' &&
        typeof node.value === 'string' &&
        YAML11_BOOLEAN.test(node.value)
      ) {
        const line = node.range ? text.slice(0, node.range[0]).split('\n').length : '?';
        ambiguous.push(
          `yaml: line ${line}: "${node.value}" is a string here but a boolean to Terraform's yamldecode: quote it ("${node.value}") or write true/false`,
        );
      }
    },
  });
  if (ambiguous.length > 0) throw new ConfigError(source, ambiguous);
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // The yaml library refuses alias bombs (billion laughs) by throwing while it expands them.
    throw new ConfigError(source, [`yaml: ${errorMessage(error)}`], { cause: error });
  }
}

// A JSON object is YAML too; parsed as JSON it means the same, except that JSON.parse keeps the last of two
// equal keys where YAML refuses them: text with a repeated key goes to the YAML parser, which names it.
function jsonDocument(text: string): { value: unknown } | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return keyCount(value) === (text.match(/"(?:[^"\\]|\\.)*"\s*:/g)?.length ?? 0) ? { value } : undefined;
}

function keyCount(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + keyCount(v), 0);
  if (typeof value !== 'object' || value === null) return 0;
  return Object.values(value).reduce((n: number, v) => n + 1 + keyCount(v), 0);
}

/**
 * Loads the estate config from a path, `file://`, `gs://` or `s3://` URL; with no source, from
 * `OPSFN_CONFIG`, else `./opsfn.yaml`; validated against the estate schema the composition root built.
 */
export async function loadConfig(
  schema: EstateSchemaSource,
  source?: string,
  options: LoadConfigOptions = {},
): Promise<Estate> {
  const env = options.env ?? process.env;
  const where = source ?? env.OPSFN_CONFIG ?? 'opsfn.yaml';
  let bytes: Buffer;
  try {
    if (/^(gs|s3):\/\//.test(where)) {
      bytes = await (options.readRemote
        ? options.readRemote(where, MAX_CONFIG_BYTES)
        : defaultRemoteReader(where, MAX_CONFIG_BYTES, env));
    } else {
      const path = where.startsWith('file://') ? new URL(where) : where;
      bytes = await readFile(path);
    }
  } catch (error) {
    throw new ConfigError(where, [`cannot read: ${errorMessage(error)}`], { cause: error });
  }
  if (bytes.length > MAX_CONFIG_BYTES)
    throw new ConfigError(where, [`file is ${bytes.length} bytes; the limit is ${MAX_CONFIG_BYTES}`]);
  return parseConfigText(schema, bytes.toString('utf8'), where, options);
}
