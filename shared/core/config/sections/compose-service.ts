import * as z from '../../schema/index.js';

// Compose lowercases project names and allows only these characters; a name it would rewrite is refused.
const ProjectSchema = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a compose project name (a-z, 0-9, "_", "-"; lowercase)'));
const ComposeNameSchema = z
  .string()
  .check(
    z.regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/, 'expected a compose service name (letters, digits, ".", "_", "-")'),
  );
const PathSchema = z.string().check(z.minLength(1), z.regex(/^\//, 'expected an absolute path'));

/**
 * A service of a docker compose project: status from the Docker Engine API, changes through the compose
 * CLI (`up --no-deps --force-recreate`, `--scale`, `restart`) so the project stays what compose manages.
 */
export const ComposeServiceSchema = z.strictObject({
  platform: z.literal('compose'),
  /** The compose project name (`-p`). */
  project: ProjectSchema,
  /** The service name inside the compose file. */
  service: ComposeNameSchema,
  /** The compose file(s) (`-f`), absolute paths, in order. */
  files: z.array(PathSchema).check(z.minLength(1, 'expected at least one compose file')),
  /** An `--env-file` for variable substitution (runbook 003: `deploy/prod/prod.env`). */
  envFile: z.optional(PathSchema),
  /**
   * The variable the compose file takes the image tag from (`image: app:${APP_VERSION}`): a rollback sets
   * it to the target's tag for the command instead of pinning `image` in an override file.
   */
  imageVariable: z.optional(
    z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name like APP_VERSION')),
  ),
  /** Where the pin is kept while a rollback holds the service on an older image; default beside the first file. */
  pinFile: z.optional(PathSchema),
  /**
   * The compose CLI: `["docker", "compose"]` (v2 plugin) or `["docker-compose"]` (v1). When omitted, the v2
   * plugin is used if `docker compose version` answers, else `docker-compose`.
   */
  command: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
  /** The Docker Engine API (`unix:///var/run/docker.sock`, `tcp://host:2375`); default `DOCKER_HOST` or the local socket. */
  dockerHost: z.optional(
    z
      .string()
      .check(
        z.regex(/^(unix:\/\/\/|tcp:\/\/|http:\/\/)/, 'expected unix:///path, tcp://host:port or http://host:port'),
      ),
  ),
});
/** A validated compose service. */
export type ComposeService = z.infer<typeof ComposeServiceSchema>;
