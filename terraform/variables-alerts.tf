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

variable "failed_runs_alert" {
  type = object({
    count  = number
    window = string
  })
  description = "Alert people when one function fails this many runs within the window (needs human_notification_channels)."
  default     = { count = 3, window = "3600s" }

  validation {
    condition     = var.failed_runs_alert.count >= 1 && can(regex("^[0-9]+s$", var.failed_runs_alert.window)) && try(tonumber(trimsuffix(var.failed_runs_alert.window, "s")) % 60 == 0, false)
    error_message = "failed_runs_alert needs count >= 1 and a window of whole minutes in seconds (3600s)."
  }
}
