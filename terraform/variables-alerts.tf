variable "error_rate_alerts" {
  type = map(object({
    display_name = string
    service      = optional(string)
    kind         = optional(string, "ratio")
    threshold    = number
    duration     = string
    severity     = string
    function     = string
  }))
  description = "Cloud Run 5xx alert policies published to the alerts topic: `kind` ratio (5xx/all, 0 < threshold < 1) or rate (5xx per second); `function` (rollback | autoscale) goes into user_labels for routing. Null (the default) derives them from the estate's rollback policies matched on opsfn-function=rollback and measured by Cloud Monitoring, so the alert and the confirmation use one threshold and window."
  default     = null

  validation {
    condition = var.error_rate_alerts == null || alltrue([for a in values(coalesce(var.error_rate_alerts, {})) :
      contains(["ratio", "rate"], a.kind) &&
      a.threshold > 0 && (a.kind == "rate" || a.threshold < 1) &&
      can(regex("^[0-9]+s$", a.duration)) &&
      # Cloud Monitoring takes threshold durations in whole minutes only (0s, 60s, 120s, ...).
      try(tonumber(trimsuffix(a.duration, "s")) % 60 == 0, false) &&
      contains(["CRITICAL", "ERROR", "WARNING"], a.severity) &&
      contains(["rollback", "autoscale"], a.function)
    ])
    error_message = "error_rate_alerts need kind ratio (0 < threshold < 1) or rate (threshold > 0), duration a whole number of minutes in seconds (0s, 60s, 300s), severity CRITICAL|ERROR|WARNING and function rollback|autoscale."
  }
}

variable "latency_alerts" {
  type = map(object({
    display_name = string
    service      = optional(string)
    percentile   = optional(number, 95)
    threshold_ms = number
    duration     = string
    severity     = string
    function     = string
  }))
  description = "Cloud Run request-latency alert policies (run.googleapis.com/request_latencies at a percentile, in ms) published to the alerts topic: the alert an autoscale policy matched on opsfn-function=autoscale reacts to."
  default     = {}

  validation {
    condition = alltrue([for a in values(var.latency_alerts) :
      contains([50, 95, 99], a.percentile) &&
      a.threshold_ms > 0 &&
      can(regex("^[0-9]+s$", a.duration)) &&
      try(tonumber(trimsuffix(a.duration, "s")) % 60 == 0, false) &&
      contains(["CRITICAL", "ERROR", "WARNING"], a.severity) &&
      contains(["rollback", "autoscale"], a.function)
    ])
    error_message = "latency_alerts need percentile 50, 95 or 99, threshold_ms above 0, duration a whole number of minutes in seconds, severity CRITICAL|ERROR|WARNING and function autoscale|rollback."
  }
}

variable "human_notification_channels" {
  type        = list(string)
  description = "Existing notification channel ids (email, PagerDuty) that also receive the alert policies; opsfn is never the only one told. They alone receive the policies on opsfn itself (failed runs, the circuit breaker, dead-lettered triggers), which exist only when this is set."
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
