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
  description = "IANA time zone for Scheduler jobs whose schedules/*.yaml and estate set no time zone; the estate's `timezone` comes first."
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
  description = "Per-function overrides by entry point (backupVerify, certExpiry, autoscale, rollback, drDrill, healthSweep); unset fields keep the defaults in functions.tf."
  default     = {}

  validation {
    condition     = alltrue([for key in keys(var.functions) : contains(["backupVerify", "certExpiry", "autoscale", "rollback", "drDrill", "healthSweep"], key)])
    error_message = "functions keys must be entry points: backupVerify, certExpiry, autoscale, rollback, drDrill, healthSweep."
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
  description = "Deliveries of a message before it is moved to the topic's dead-letter topic (which alerts human_notification_channels)."
  default     = 5

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be between 5 and 100."
  }
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

variable "audit_retention_days" {
  type        = number
  description = "Retention of the audit log bucket."
  default     = 400

  validation {
    condition     = var.audit_retention_days >= 1 && var.audit_retention_days <= 3650
    error_message = "audit_retention_days must be between 1 and 3650."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels added to every labelled resource."
  default     = {}
}

variable "function_image_keep" {
  type        = number
  description = "Newest versions of each function's image kept in the opsfn-functions repository whatever their age: the serving revision's and the ones before it."
  default     = 5

  validation {
    condition     = var.function_image_keep >= 2 && floor(var.function_image_keep) == var.function_image_keep
    error_message = "function_image_keep must be a whole number of at least 2: the serving image and the one before it."
  }
}

variable "function_image_max_age_days" {
  type        = number
  description = "Days after which an image version of the opsfn-functions repository that is not among the newest function_image_keep is deleted."
  default     = 30

  validation {
    condition     = var.function_image_max_age_days >= 1 && floor(var.function_image_max_age_days) == var.function_image_max_age_days
    error_message = "function_image_max_age_days must be a whole number of days, at least 1."
  }
}

variable "restore_job_image" {
  type        = string
  description = "Image of the restore jobs (backupVerify, drDrill): opsfn with psql and the MariaDB client, such as deploy/docker's `runtime` target pushed to Artifact Registry. Cloud Functions carry no restore client, so with null no job is defined and restore tests and drill restores fail their client check on Google Cloud."
  default     = null

  validation {
    condition     = var.restore_job_image == null || can(regex("^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$", var.restore_job_image))
    error_message = "restore_job_image must be an image reference like europe-docker.pkg.dev/PROJECT/REPO/opsfn:1.2.3 or …@sha256:DIGEST."
  }
}

variable "restore_job_timeout_seconds" {
  type        = number
  description = "Task timeout of the restore jobs (backupVerify, drDrill): the longest a dump's load may take; keep it above the longest restore `timeout` of the estate."
  default     = 21600

  validation {
    condition     = var.restore_job_timeout_seconds >= 600 && var.restore_job_timeout_seconds <= 86400
    error_message = "restore_job_timeout_seconds must be between 600 and 86400 (Cloud Run Jobs allow up to 24 hours)."
  }
}

variable "restore_job_memory" {
  type        = string
  description = "Memory of a restore job's task, like \"1Gi\"; a load streams, so it needs little."
  default     = "1Gi"

  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi)$", var.restore_job_memory))
    error_message = "restore_job_memory must look like 512Mi or 2Gi."
  }
}
