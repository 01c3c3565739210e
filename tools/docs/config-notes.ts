import type { ConfigNote } from './apply-notes.js';

// What each key of the estate means, for docs/configuration.md and the descriptions of opsfn.schema.json.
// Keyed by path (`services.<name>.project`), or `form:path` for one form of a union (`compose:…`); a note
// whose key the schema lacks fails `npm run docs`. A function's keys are described in its own README.

const APIS = {
  run: 'Cloud Run Admin API v2 (rollback, autoscale, drDrill)',
  sqladmin: 'Cloud SQL Admin API (backupVerify, drDrill)',
  monitoring: 'Cloud Monitoring API (metrics read by rollback, the certExpiry gauge)',
  storage: 'GCS JSON API (backups, reports, a `gs://` config)',
  s3: 'S3 endpoint for `s3://` URLs without their own (also `AWS_ENDPOINT_URL_S3`)',
  kubernetes: 'Kubernetes API server for services without `context` or `server`',
} as const;

const endpointNotes = Object.fromEntries(
  Object.entries(APIS).flatMap(([api, what]) => [
    [`endpoints.${api}`, what],
    [`endpoints.${api}.url`, 'the API root to call instead of the default'],
    [`endpoints.${api}.credentials`, '`none`: send no credentials (an emulator or a local fake)'],
  ]),
);

const topLevel = {
  estate: 'name of the estate, a label on every log line',
  timezone: 'IANA zone for schedules and recurring freeze windows',
  mode: '`dry-run` makes every run a dry run',
  state: '`memory` (in-process: lost on exit, one instance only) or Redis (shared by every instance)',
  auth: 'who may call the HTTP entry points; a deployed function refuses to serve without it',
  endpoints: 'API root overrides: private endpoints in production, emulators and fakes in tests',
  notify: 'notification channels, and the routes that pick them by severity',
  guard: 'the guardrails every mutation passes (shared/core/guard/README.md)',
  limits: 'bounds of one request and one run',
  reports: 'where run reports go',
  services: 'the services functions read and change, by name',
  databases: 'the databases of the estate, by name',
  backups: 'backupVerify: each backup to prove fresh, complete and restorable, by name',
  certificates: 'certExpiry: the TLS endpoints to probe and the thresholds',
  autoscale: 'autoscale: its policies',
  rollback: 'rollback: its policies',
  drills: 'drDrill: each drill plan, by name',
  health: 'healthSweep: its checks, its bounds and when people hear',
} as const;

const stateAndAuth = {
  'state.redis':
    '`redis[s]://[user][:password]@host[:port][/db]`, user and password percent-encoded, no `?options` (`rediss://` is TLS, verified against the system CAs or the PEM in `OPSFN_REDIS_CA`), or a secret reference to one',
  'state.prefix': 'every key is stored under it',
  'auth.mode':
    '`app`: opsfn checks `tokens` / `oidc` (one of them required); `platform`: Cloud Run IAM alone admits callers, opsfn checks nothing (no `tokens`, no `oidc`) and every caller is `platform`',
  'auth.tokens':
    'bearer tokens, compared in constant time: a secret reference (caller `token:<index>`, every route) or a named token',
  'auth.tokens[].name': 'the caller becomes `token:<name>`',
  'auth.tokens[].token': 'the token itself',
  'auth.tokens[].allow': 'what the token may call; everything when omitted',
  'auth.tokens[].allow[].function': 'an entry point, like `rollback`',
  'auth.tokens[].allow[].routes':
    '`"POST /"` (trigger intake), `"POST /approve"`, `"GET /*"` …; every route of the function when omitted',
  'auth.tokens[].allow[].triggers':
    'the trigger kinds it may send to the intake (`[alert]` for Alertmanager: no manual request, no scheduled one); every kind when omitted',
  'auth.oidc': 'Google-signed ID tokens; name the callers: anyone can mint a token for any audience',
  'auth.oidc.audience': 'the audience (or audiences) tokens must be issued for: the functions’ URLs',
  'auth.oidc.emails': 'callers by email',
  'auth.oidc.domains':
    "callers by hosted domain (the token's `hd` claim: a Google Workspace or Cloud Identity member), or by the domain of a service account's email (`*.gserviceaccount.com`); a verified email in another domain without `hd` is not a member",
  'auth.oidc.subjects': 'callers by subject',
  'auth.oidc.scheduler': 'the accounts whose Scheduler jobs and Pub/Sub pushes may send scheduled triggers',
} as const;

const monitoring = {
  'endpoints.monitoring.visibleAfter':
    'how long after the fact a request count shows in Cloud Monitoring, 3m when omitted (what the API documents): a rollback verifies the settle window this long after it ends; 0s for a stand-in that shows counts at once',
} as const;

const prometheus = {
  'endpoints.prometheus': 'the Prometheus query API rollback and healthSweep read',
  'endpoints.prometheus.url':
    'base URL of the query API (for Managed Service for Prometheus, `https://monitoring.googleapis.com/v1/projects/P/location/global/prometheus`)',
  'endpoints.prometheus.credentials':
    '`none`, `google` (an access token from application default credentials), a bearer token or basic auth; sent only over https or to loopback',
  'endpoints.prometheus.credentials.bearer': 'the bearer token',
  'endpoints.prometheus.credentials.basic.password': 'the password',
} as const;

const notify = {
  'notify.channels': 'by name; `type` picks the receiver (shared/core/notify/README.md)',
  'notify.channels.<name>.type': 'the receiver',
  'slack:notify.channels.<name>.url': 'the incoming webhook URL',
  'pagerduty:notify.channels.<name>.routingKey': 'the Events API v2 routing key',
  'pagerduty:notify.channels.<name>.url': 'the Events API URL, when not PagerDuty’s own',
  'feishu:notify.channels.<name>.url': 'the custom bot’s webhook URL',
  'feishu:notify.channels.<name>.secret': 'the signing secret: every attempt is signed',
  'feishu:notify.channels.<name>.msgType': 'an interactive card or plain text',
  'webhook:notify.channels.<name>.url': 'where the notification is POSTed as JSON',
  'webhook:notify.channels.<name>.headers': 'extra headers; values may be secret references',
  'pubsub:notify.channels.<name>.topic': '`projects/P/topics/T`',
  'notify.routes': 'which channels take which messages; a channel chosen by several routes gets a message once',
  'notify.routes[].severity': 'an exact list: `warning` does not take `critical`',
  'notify.routes[].channels': 'keys of `notify.channels`',
  'notify.routes[].functions': 'only messages from these functions',
  'notify.timeout': 'per delivery attempt',
  'notify.retries': 'extra attempts on network errors, timeouts, 408/425/429 and 5xx',
} as const;

const guardAndLimits = {
  'guard.freezeWindows': 'no mutation inside any of them',
  'guard.freezeWindows[].start': 'start of an absolute window',
  'guard.freezeWindows[].end': 'end of an absolute window',
  'guard.freezeWindows[].cron': 'a recurring window starts at each of these times, in the estate’s timezone',
  'guard.freezeWindows[].duration': 'how long a recurring window lasts',
  'guard.freezeWindows[].reason': 'said in every refusal',
  'guard.rateLimit.perTarget': 'actions per target in a sliding window',
  'guard.rateLimit.global': 'actions across all targets in a sliding window',
  'guard.breaker':
    'past `max` actions in `window`, refuse everything for `open` and page; it counts only actions the global rate limit let through, so `max` must be reachable under that limit within `window`',
  'guard.lockTtl': 'a lock held by a crashed run expires after this',
  'limits.body': 'request body limit; a larger body is refused (413) before it is read past the limit',
  'limits.timeout': 'run time limit (at most `1h`); an idempotency claim lives this long plus a minute',
  'reports.url': '`gs://`, `s3://` or `file://` prefix the run reports are written under',
} as const;

const servicesAndDatabases = {
  'services.<name>.platform': 'the platform the service runs on',
  'cloud-run:services.<name>.project': 'its Google Cloud project',
  'cloud-run:services.<name>.region': 'its region',
  'cloud-run:services.<name>.name': 'the Cloud Run service',
  'services.<name>.context': 'a kubeconfig context (else the kubeconfig’s current one)',
  'services.<name>.server': 'the API server URL, instead of a kubeconfig',
  'services.<name>.token': 'bearer token for `server`',
  'services.<name>.namespace': 'the Deployment’s namespace',
  'services.<name>.deployment': 'the Deployment',
  'compose:services.<name>.project': 'the compose project name (`-p`), lowercase as compose writes it',
  'services.<name>.service': 'the service in the compose files',
  'services.<name>.files': 'absolute paths of the compose files (`-f`, in order), as the host has them',
  'services.<name>.envFile': '`--env-file` for variable substitution',
  'services.<name>.imageVariable':
    'the variable the files take the image tag from (`image: app:$APP_VERSION`): a rollback sets it instead of writing an override',
  'services.<name>.pinFile':
    'where the pin lives while a rollback holds the service on an older image; default `<dir of the first file>/.opsfn-pin.<project>.<service>.yml`',
  'services.<name>.command':
    'the compose CLI, `["docker", "compose"]` or `["docker-compose"]`; when omitted, `docker compose version` decides',
  'services.<name>.dockerHost': 'the Docker Engine API; default `DOCKER_HOST`, else `unix:///var/run/docker.sock`',
  'databases.<name>.kind': 'the database engine or service',
  'databases.<name>.project': 'its Google Cloud project',
  'databases.<name>.instance': 'the Cloud SQL instance',
  'databases.<name>.url': 'connection URL, or a secret reference to one; its password is treated as a secret',
} as const;

const functionKeys = {
  'autoscale.policies': 'first match wins',
  'autoscale.policies[].up.step': { text: '`"+N%"` (rounds up, at least +1) or `"+N"`', default: '+50%' },
  'certificates.endpoints': '`host:port` (like `api.example.com:443`), or an object with the keys below',
  'rollback.policies': 'first match wins',
  'health.checks': 'each with its `kind`; the kinds and their keys are in the healthSweep README',
} as const;

/** The meaning of every key the reference describes, by path. */
export const CONFIG_NOTES: Readonly<Record<string, ConfigNote>> = {
  ...topLevel,
  ...stateAndAuth,
  ...endpointNotes,
  ...monitoring,
  ...prometheus,
  ...notify,
  ...guardAndLimits,
  ...servicesAndDatabases,
  ...functionKeys,
};
