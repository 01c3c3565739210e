variable "project_id" {
  type        = string
  description = "Google Cloud project that hosts opsfn."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project id: 6-30 characters of a-z, 0-9 and '-'."
  }
}

variable "region" {
  type        = string
  description = "Region of the functions, topics' consumers, Scheduler jobs, connector and Memorystore."
  default     = "us-central1"

  # A pattern, not a list: regions are added over time (europe-west10, europe-west12, ...).
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]{1,2}$", var.region))
    error_message = "region must look like us-central1 or europe-west10."
  }
}

variable "timezone" {
  type        = string
  description = "IANA time zone for Scheduler jobs whose schedules/*.yaml sets no timeZone; keep it equal to the estate's `timezone`."
  default     = "UTC"

  validation {
    condition     = can(regex("^(UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+){1,2})$", var.timezone))
    error_message = "timezone must be an IANA zone such as UTC or Asia/Shanghai."
  }
}

variable "estate_config_path" {
  type        = string
  description = "Local path of the estate YAML (opsfn.yaml); uploaded by content hash and passed as OPSFN_CONFIG=gs://..."

  validation {
    condition     = can(regex("\\.ya?ml$", var.estate_config_path))
    error_message = "estate_config_path must point to a .yaml file."
  }
}

variable "bundles_dir" {
  type        = string
  description = "Directory holding one bundle per function (<dir>/backup-verify ...); null for ../dist/bundles, the output of `npm run bundle`."
  default     = null
}

variable "functions" {
  type = map(object({
    enabled         = optional(bool, true)
    memory          = optional(string)
    timeout_seconds = optional(number)
    min_instances   = optional(number)
    max_instances   = optional(number)
  }))
  description = "Per-function overrides by entry point (backupVerify, certExpiry, autoscale, rollback, drDrill); unset fields keep the defaults in functions.tf."
  default     = {}

  validation {
    condition     = alltrue([for key in keys(var.functions) : contains(["backupVerify", "certExpiry", "autoscale", "rollback", "drDrill"], key)])
    error_message = "functions keys must be entry points: backupVerify, certExpiry, autoscale, rollback, drDrill."
  }
}

variable "delivery" {
  type        = string
  description = "How topics reach functions: push (Pub/Sub push subscriptions with dead-letter topics) or eventarc (Eventarc messagePublished triggers)."
  default     = "push"

  validation {
    condition     = contains(["push", "eventarc"], var.delivery)
    error_message = "delivery must be push or eventarc."
  }
}

variable "max_delivery_attempts" {
  type        = number
  description = "Deliveries of a message before it is moved to the topic's dead-letter topic."
  default     = 5

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be between 5 and 100."
  }
}

variable "token_secret" {
  type        = string
  description = "Secret Manager secret id holding the bearer token for manual HTTP runs, exposed as OPSFN_TOKEN (the estate's auth.tokens: [{env: OPSFN_TOKEN}]). Created and filled outside Terraform."
  default     = "opsfn-token"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.token_secret))
    error_message = "token_secret must be a secret id (letters, digits, '_' and '-')."
  }
}

variable "function_secrets" {
  type        = map(map(string))
  description = "Extra secret-backed environment per entry point: { rollback = { SLACK_WEBHOOK_URL = \"slack-webhook\" } } (env name => secret id)."
  default     = {}

  validation {
    condition = alltrue(flatten([
      for fn, envs in var.function_secrets : concat(
        [contains(["backupVerify", "certExpiry", "autoscale", "rollback", "drDrill"], fn)],
        [for env, secret in envs : can(regex("^[A-Z_][A-Z0-9_]*$", env)) && can(regex("^[A-Za-z0-9_-]+$", secret))],
      )
    ]))
    error_message = "function_secrets keys must be entry points, env names UPPER_SNAKE and values secret ids."
  }
}

variable "notify_secrets" {
  type        = list(string)
  description = "Secret ids the estate's notify channels reference as {secret: ...}; every function may read them to send notifications."
  default     = []

  validation {
    condition     = alltrue([for s in var.notify_secrets : can(regex("^[A-Za-z0-9_-]+$", s))])
    error_message = "notify_secrets must be secret ids, not full resource names or values."
  }
}

variable "redis_mode" {
  type        = string
  description = "Where the functions' shared state lives: memorystore (created here), url (redis_url) or none (memory state, only for trials: locks and idempotency are per instance)."
  default     = "memorystore"

  validation {
    condition     = contains(["memorystore", "url", "none"], var.redis_mode)
    error_message = "redis_mode must be memorystore, url or none."
  }
}

variable "redis_url" {
  type        = string
  description = "redis:// or rediss:// URL of an existing Redis when redis_mode = url; stored in Secret Manager as OPSFN_REDIS_URL."
  default     = null
  sensitive   = true

  validation {
    condition     = var.redis_url == null || can(regex("^rediss?://", var.redis_url))
    error_message = "redis_url must start with redis:// or rediss://."
  }
}

variable "memorystore" {
  type = object({
    tier           = optional(string, "BASIC")
    memory_size_gb = optional(number, 1)
    redis_version  = optional(string, "REDIS_7_2")
  })
  description = "Memorystore instance for state when redis_mode = memorystore."
  default     = {}

  validation {
    condition     = contains(["BASIC", "STANDARD_HA"], var.memorystore.tier) && var.memorystore.memory_size_gb >= 1
    error_message = "memorystore.tier must be BASIC or STANDARD_HA and memory_size_gb at least 1."
  }
}

variable "vpc_network" {
  type        = string
  description = "VPC network name Memorystore and the connector attach to."
  default     = "default"
}

variable "vpc_connector" {
  type        = string
  description = "Existing Serverless VPC Access connector id (projects/P/locations/R/connectors/C); null creates one when Redis needs private egress."
  default     = null

  validation {
    condition     = var.vpc_connector == null || can(regex("^projects/[^/]+/locations/[^/]+/connectors/[^/]+$", var.vpc_connector))
    error_message = "vpc_connector must be projects/P/locations/R/connectors/C."
  }
}

variable "vpc_connector_cidr" {
  type        = string
  description = "Unused /28 range for the connector this module creates."
  default     = "10.8.0.0/28"

  validation {
    condition     = can(cidrnetmask(var.vpc_connector_cidr)) && endswith(var.vpc_connector_cidr, "/28")
    error_message = "vpc_connector_cidr must be a /28 CIDR block."
  }
}

variable "run_targets" {
  type = map(object({
    service                 = string
    region                  = string
    runtime_service_account = string
  }))
  description = "Cloud Run services rollback and autoscale may change, by estate service key: they get run.developer on each and actAs on its runtime account."
  default     = {}

  validation {
    condition     = alltrue([for t in values(var.run_targets) : can(regex("^[^@\\s]+@[^@\\s]+\\.iam\\.gserviceaccount\\.com$|^[0-9]+-compute@developer\\.gserviceaccount\\.com$", t.runtime_service_account))])
    error_message = "run_targets[*].runtime_service_account must be a service account email."
  }
}

variable "backup_buckets" {
  type        = list(string)
  description = "GCS buckets holding dumps backupVerify reads (object viewer on each)."
  default     = []
}

variable "reports_bucket" {
  type        = string
  description = "GCS bucket of the estate's `reports.url`; every function may create report objects in it. Null when reports go elsewhere."
  default     = null
}

variable "create_reports_bucket" {
  type        = bool
  description = "Create reports_bucket here (versioned, private) instead of using an existing bucket."
  default     = false
}

variable "dr_region" {
  type        = string
  description = "Region drDrill deploys the DR copy of services to; null disables the drill's Cloud Run grant."
  default     = null

  validation {
    condition     = var.dr_region == null || can(regex("^[a-z]+-[a-z]+[0-9]{1,2}$", var.dr_region))
    error_message = "dr_region must look like us-west1 or europe-west12."
  }
}

variable "dr_runtime_service_account" {
  type        = string
  description = "Runtime service account of the DR services drDrill deploys (drDrill gets actAs on it); null for none."
  default     = null
}

variable "drill_prefix" {
  type        = string
  description = "Name prefix of the scratch Cloud SQL instances and DR services drDrill creates; it may delete only those."
  default     = "opsfn-drill-"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,20}-$", var.drill_prefix))
    error_message = "drill_prefix must be 4-22 characters of a-z, 0-9 and '-', ending with '-'."
  }
}

variable "error_rate_alerts" {
  type = map(object({
    display_name = string
    service      = optional(string)
    threshold    = number
    duration     = string
    severity     = string
    function     = string
  }))
  description = "Cloud Run 5xx-ratio alert policies published to the alerts topic; `function` (rollback | autoscale) goes into user_labels for routing."
  default = {
    high-error-rate = {
      display_name = "HighErrorRate: 5xx > 1 % for 5m"
      threshold    = 0.01
      duration     = "300s"
      severity     = "CRITICAL"
      function     = "rollback"
    }
    error-spike = {
      display_name = "HighErrorRate: 5xx > 10 % for 2m"
      threshold    = 0.1
      duration     = "120s"
      severity     = "WARNING"
      function     = "rollback"
    }
  }

  validation {
    condition = alltrue([for a in values(var.error_rate_alerts) :
      a.threshold > 0 && a.threshold < 1 &&
      can(regex("^[0-9]+s$", a.duration)) &&
      # Cloud Monitoring takes threshold durations in whole minutes only (0s, 60s, 120s, ...).
      try(tonumber(trimsuffix(a.duration, "s")) % 60 == 0, false) &&
      contains(["CRITICAL", "ERROR", "WARNING"], a.severity) &&
      contains(["rollback", "autoscale"], a.function)
    ])
    error_message = "error_rate_alerts need 0 < threshold < 1, duration a whole number of minutes in seconds (0s, 60s, 300s), severity CRITICAL|ERROR|WARNING and function rollback|autoscale."
  }
}

variable "human_notification_channels" {
  type        = list(string)
  description = "Existing notification channel ids (email, PagerDuty) that also receive the alert policies; opsfn is never the only one told."
  default     = []
}

variable "audit_retention_days" {
  type        = number
  description = "Retention of the audit log bucket."
  default     = 400

  validation {
    condition     = var.audit_retention_days >= 1 && var.audit_retention_days <= 3650
    error_message = "audit_retention_days must be between 1 and 3650."
  }
}

variable "build_service_account" {
  type        = string
  description = "Service account id that builds the functions (projects/P/serviceAccounts/E); null for the project default."
  default     = null
}

variable "labels" {
  type        = map(string)
  description = "Labels added to every labelled resource."
  default     = {}
}
