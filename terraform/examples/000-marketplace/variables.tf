variable "project_id" {
  type        = string
  description = "Project of the marketplace estate (the runbook's project id)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project id: 6-30 characters of a-z, 0-9 and '-'."
  }
}

variable "region" {
  type        = string
  description = "Region of the opsfn functions (the services' main region)."
  default     = "us-central1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region must look like us-central1."
  }
}

variable "services_runtime_account" {
  type        = string
  description = "Runtime service account email of the three Cloud Run services (rollback and autoscale act as it when they patch a service)."
}

variable "human_notification_channels" {
  type        = list(string)
  description = "Existing PagerDuty / email notification channel ids that also receive the alert policies."
  default     = []
}
