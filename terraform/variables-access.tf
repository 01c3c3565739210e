variable "token_secret" {
  type        = string
  description = "Secret Manager secret id of the full-access bearer token, exposed as OPSFN_TOKEN (the estate's auth.tokens: [{env: OPSFN_TOKEN}]); null for scoped caller_tokens only. Created and filled outside Terraform."
  default     = "opsfn-token"

  validation {
    condition     = var.token_secret == null || can(regex("^[A-Za-z0-9_-]{1,255}$", var.token_secret))
    error_message = "token_secret must be a secret id (letters, digits, '_' and '-') or null."
  }
}

variable "caller_tokens" {
  type = map(object({
    secret    = string
    functions = list(string)
  }))
  description = "One bearer token per caller, by caller name: { alertmanager = { secret = \"opsfn-token-alertmanager\", functions = [\"rollback\", \"autoscale\"] } }. Each secret is exposed as OPSFN_TOKEN_<NAME> (upper case, '-' as '_'); the estate's auth.tokens entry { name, token: { env: OPSFN_TOKEN_<NAME> }, allow: [{ function, routes }] } scopes it to `functions` (terraform/README.md)."
  default     = {}

  validation {
    condition = alltrue([for name, caller in var.caller_tokens :
      can(regex("^[a-z][a-z0-9-]{0,40}$", name)) &&
      can(regex("^[A-Za-z0-9_-]{1,255}$", caller.secret)) &&
      length(caller.functions) > 0 &&
      alltrue([for fn in caller.functions : contains(["backupVerify", "certExpiry", "autoscale", "rollback", "drDrill", "healthSweep"], fn)])
    ])
    error_message = "caller_tokens keys must be lowercase names (a-z, 0-9, '-'), secrets secret ids, and functions a non-empty list of entry points."
  }
}

variable "function_secrets" {
  type        = map(map(string))
  description = "Extra secret-backed environment per entry point: { rollback = { SLACK_WEBHOOK_URL = \"slack-webhook\" } } (env name => secret id)."
  default     = {}

  validation {
    condition = alltrue(flatten([
      for fn, envs in var.function_secrets : concat(
        [contains(["backupVerify", "certExpiry", "autoscale", "rollback", "drDrill", "healthSweep"], fn)],
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

variable "run_targets" {
  type = map(object({
    service                 = string
    region                  = string
    runtime_service_account = string
  }))
  description = "Cloud Run services rollback and autoscale may change, by estate service key: they get the opsfnRunChange role (get, update, list revisions) on each and actAs on its runtime account."
  default     = {}

  validation {
    condition     = alltrue([for t in values(var.run_targets) : can(regex("^[^@\\s]+@[^@\\s]+\\.iam\\.gserviceaccount\\.com$|^[0-9]+-compute@developer\\.gserviceaccount\\.com$", t.runtime_service_account))])
    error_message = "run_targets[*].runtime_service_account must be a service account email."
  }
}

variable "backup_buckets" {
  type        = list(string)
  description = "GCS buckets holding dumps backupVerify (and drDrill's db.restoreDump) reads (object viewer on each)."
  default     = []
}

variable "build_service_account" {
  type        = string
  description = "Service account id that builds the functions (projects/P/serviceAccounts/E) instead of opsfn-build. This module grants it Artifact Registry writer on the opsfn-functions repository and read access to the sources bucket; grant it roles/logging.logWriter on the project yourself. Null creates opsfn-build with exactly these roles."
  default     = null

  validation {
    condition     = var.build_service_account == null || can(regex("^projects/[^/]+/serviceAccounts/[^/@]+@[^/]+$", var.build_service_account))
    error_message = "build_service_account must be projects/P/serviceAccounts/EMAIL."
  }
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
