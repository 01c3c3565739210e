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
  description = "redis:// or rediss:// URL of an existing Redis when redis_mode = url; stored in Secret Manager as OPSFN_REDIS_URL, which the functions and restore jobs read at the version Terraform wrote (a new URL is a new revision)."
  default     = null
  sensitive   = true

  validation {
    condition     = var.redis_url == null || can(regex("^rediss?://", var.redis_url))
    error_message = "redis_url must start with redis:// or rediss://."
  }
}

variable "redis_ca" {
  type        = string
  description = "PEM of the CA that signed the server certificate of redis_url's rediss:// server, exposed as OPSFN_REDIS_CA; null to trust the system CAs. Only with a rediss:// redis_url: the plan refuses it beside a redis:// one, which the functions would refuse to start with. Memorystore's own CA is wired automatically."
  default     = null

  validation {
    condition     = var.redis_ca == null || can(regex("BEGIN CERTIFICATE", var.redis_ca))
    error_message = "redis_ca must be a PEM certificate."
  }
}

variable "memorystore" {
  type = object({
    tier           = optional(string, "BASIC")
    memory_size_gb = optional(number, 1)
    redis_version  = optional(string, "REDIS_7_2")
  })
  description = "Memorystore instance for state when redis_mode = memorystore; always with in-transit encryption (TLS, server authentication)."
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
