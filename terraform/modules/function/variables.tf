variable "project_id" {
  type        = string
  description = "Project that hosts the function."
}

variable "region" {
  type        = string
  description = "Region of the function, its service account grants and its Eventarc triggers."
}

variable "name" {
  type        = string
  description = "Kebab-case function name (backup-verify): names the function, its service account and its subscriptions."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,23}$", var.name))
    error_message = "name must be 3-24 characters of a-z, 0-9 and '-', starting with a letter."
  }
}

variable "entry_point" {
  type        = string
  description = "The functions-framework target the bundle registers (backupVerify)."

  validation {
    condition     = contains(["backupVerify", "certExpiry", "autoscale", "rollback", "drDrill", "healthSweep"], var.entry_point)
    error_message = "entry_point must be one of backupVerify, certExpiry, autoscale, rollback, drDrill, healthSweep."
  }
}

variable "source_dir" {
  type        = string
  description = "Directory of the function's bundle (dist/bundles/<name>, built by `npm run bundle`)."
}

variable "source_bucket" {
  type        = string
  description = "Bucket the zipped source is uploaded to, as <name>/<sha256>.zip."
}

variable "runtime" {
  type        = string
  description = "Cloud Functions runtime."
  default     = "nodejs22"

  validation {
    condition     = can(regex("^nodejs(2[02468])$", var.runtime))
    error_message = "runtime must be a Node.js LTS runtime such as nodejs22."
  }
}

variable "memory" {
  type        = string
  description = "Memory of one instance, like 256Mi or 1Gi."
  default     = "256Mi"

  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi|M|G)$", var.memory))
    error_message = "memory must look like 256Mi, 512M or 1Gi."
  }
}

variable "timeout_seconds" {
  type        = number
  description = "Request timeout; event-driven functions allow at most 540 seconds."
  default     = 300

  validation {
    condition     = var.timeout_seconds >= 10 && var.timeout_seconds <= 540
    error_message = "timeout_seconds must be between 10 and 540."
  }
}

variable "min_instances" {
  type        = number
  description = "Instances kept warm; 1 keeps alert reactions off the cold path."
  default     = 0

  validation {
    condition     = var.min_instances >= 0 && var.min_instances <= 10
    error_message = "min_instances must be between 0 and 10."
  }
}

variable "max_instances" {
  type        = number
  description = "Upper bound on concurrent instances, so a flood of events cannot fan out without limit."
  default     = 3

  validation {
    condition     = var.max_instances >= 1 && var.max_instances <= 100
    error_message = "max_instances must be between 1 and 100."
  }
}

variable "concurrency" {
  type        = number
  description = "Requests one instance serves at once."
  default     = 1

  validation {
    condition     = var.concurrency >= 1 && var.concurrency <= 80
    error_message = "concurrency must be between 1 and 80."
  }
}

variable "environment" {
  type        = map(string)
  description = "Plain environment variables (never secrets)."
  default     = {}
}

variable "secret_environment" {
  type        = map(string)
  description = "Environment variable name => Secret Manager secret id, read at its latest version unless secret_versions names it; the function's account may read exactly these."
  default     = {}
}

variable "secret_versions" {
  type        = map(string)
  description = "Secret id => version (\"3\") for the secrets of secret_environment whose versions the caller writes itself: a new version is then a new revision, which reads it. Secrets not named here are read at \"latest\", which a warm instance never rereads."
  default     = {}

  validation {
    condition     = alltrue([for version in values(var.secret_versions) : can(regex("^([1-9][0-9]*|latest)$", version))])
    error_message = "secret_versions values must be version numbers such as \"3\", or \"latest\"."
  }
}

variable "vpc_connector" {
  type        = string
  description = "Serverless VPC Access connector id for egress to private addresses (Memorystore); null for none."
  default     = null
}

variable "vpc_egress" {
  type        = string
  description = "Which egress goes through the connector."
  default     = "PRIVATE_RANGES_ONLY"

  validation {
    condition     = contains(["PRIVATE_RANGES_ONLY", "ALL_TRAFFIC"], var.vpc_egress)
    error_message = "vpc_egress must be PRIVATE_RANGES_ONLY or ALL_TRAFFIC."
  }
}

variable "ingress" {
  type        = string
  description = "Who can reach the function's URL; IAM still decides who may invoke it."
  default     = "ALLOW_ALL"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.ingress)
    error_message = "ingress must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

variable "build_service_account" {
  type        = string
  description = "Service account id (projects/P/serviceAccounts/E) that builds the function; null for the project default."
  default     = null
}

variable "docker_repository" {
  type        = string
  description = "Artifact Registry DOCKER repository (projects/P/locations/R/repositories/N) of the function's project and region that the built image is pushed to; the build account needs roles/artifactregistry.writer on it. Null for the gcf-artifacts repository Cloud Functions creates."
  default     = null

  validation {
    condition     = var.docker_repository == null || can(regex("^projects/[^/]+/locations/[^/]+/repositories/[^/]+$", var.docker_repository))
    error_message = "docker_repository must be projects/P/locations/R/repositories/N."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels on the function and its subscriptions."
  default     = {}
}

variable "subscriptions" {
  type = map(object({
    topic             = string
    dead_letter_topic = optional(string)
    retention         = optional(string)
  }))
  description = "Topics the function consumes, by short key: full topic ids of the topic and of its dead-letter topic (null for a subscription on a dead-letter topic itself), and how long an undelivered message is kept when not `message_retention`."
  default     = {}
}

variable "delivery" {
  type        = string
  description = "push: Pub/Sub push subscriptions with dead-lettering; eventarc: Eventarc messagePublished triggers."
  default     = "push"

  validation {
    condition     = contains(["push", "eventarc"], var.delivery)
    error_message = "delivery must be push or eventarc."
  }
}

variable "invoker_service_account_email" {
  type        = string
  description = "Account Pub/Sub (OIDC push) or Eventarc uses to invoke the function."
}

variable "pubsub_service_agent" {
  type        = string
  description = "Email of the project's Pub/Sub service agent, which forwards undeliverable messages to the dead-letter topic."
}

variable "max_delivery_attempts" {
  type        = number
  description = "Deliveries of one message before it moves to the dead-letter topic."
  default     = 5

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be between 5 and 100."
  }
}

variable "message_retention" {
  type        = string
  description = "How long an undelivered message is kept; older ones are stale for an on-call tool."
  default     = "86400s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.message_retention))
    error_message = "message_retention must be a number of seconds like 86400s."
  }
}
