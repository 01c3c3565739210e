# opsfn's own figures on Google Cloud come from its audit trail: log-based metrics over the audit
# records (jsonPayload.audit=true), a Cloud Monitoring dashboard of them, and alert policies on
# opsfn's own failures, sent to people only (never to the alerts topic opsfn itself consumes).

locals {
  audit_filter = "jsonPayload.audit=true AND resource.type=\"cloud_run_revision\" AND resource.labels.service_name:\"opsfn-\""
  log_metrics = {
    runs = {
      description = "opsfn runs that reached their function, by function and outcome (audit decision finished)."
      filter      = "${local.audit_filter} AND jsonPayload.decision=\"finished\""
      labels = {
        function = "EXTRACT(jsonPayload.function)"
        outcome  = "EXTRACT(jsonPayload.outcome)"
      }
    }
    actions = {
      description = "Guarded actions by function, action and how they ended (done, failed, refused, dry-run)."
      filter      = "${local.audit_filter} AND jsonPayload.decision=(\"done\" OR \"failed\" OR \"refused\" OR \"dry-run\") AND jsonPayload.action:*"
      labels = {
        function = "EXTRACT(jsonPayload.function)"
        action   = "EXTRACT(jsonPayload.action)"
        decision = "EXTRACT(jsonPayload.decision)"
      }
    }
    guard_refusals = {
      description = "Actions a guardrail refused, by function and guardrail (the reason starts with its name)."
      filter      = "${local.audit_filter} AND jsonPayload.decision=\"refused\""
      labels = {
        function  = "EXTRACT(jsonPayload.function)"
        guardrail = "REGEXP_EXTRACT(jsonPayload.reason, \"^([a-z-]+):\")"
      }
    }
    rejected = {
      description = "Requests and triggers refused before any function ran (bad input, credentials, cross-site)."
      filter      = "${local.audit_filter} AND jsonPayload.decision=\"rejected\""
      labels = {
        function = "EXTRACT(jsonPayload.function)"
      }
    }
  }
}

resource "google_logging_metric" "audit" {
  for_each = local.log_metrics

  project     = var.project_id
  name        = "opsfn/${each.key}"
  description = each.value.description
  filter      = each.value.filter

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"

    dynamic "labels" {
      for_each = each.value.labels
      content {
        key        = labels.key
        value_type = "STRING"
      }
    }
  }

  label_extractors = each.value.labels

  depends_on = [google_project_service.apis]
}

resource "google_logging_metric" "run_duration" {
  project     = var.project_id
  name        = "opsfn/run_duration"
  description = "How long opsfn runs took, by function (durationMs of the audit decision finished)."
  filter      = "${local.audit_filter} AND jsonPayload.decision=\"finished\" AND jsonPayload.durationMs>=0"

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "DISTRIBUTION"
    unit        = "ms"

    labels {
      key        = "function"
      value_type = "STRING"
    }
  }

  value_extractor  = "EXTRACT(jsonPayload.durationMs)"
  label_extractors = { function = "EXTRACT(jsonPayload.function)" }

  bucket_options {
    exponential_buckets {
      num_finite_buckets = 24
      growth_factor      = 2
      scale              = 10
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_logging_metric" "backup_age" {
  project     = var.project_id
  name        = "opsfn/backup_age"
  description = "Age in hours of each backup's newest object when backupVerify looked (its decided record per backup)."
  filter      = "${local.audit_filter} AND jsonPayload.function=\"backupVerify\" AND jsonPayload.decision=\"decided\" AND jsonPayload.evidence.object.ageHours>=0"

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "DISTRIBUTION"
    unit        = "h"

    labels {
      key        = "backup"
      value_type = "STRING"
    }
  }

  value_extractor  = "EXTRACT(jsonPayload.evidence.object.ageHours)"
  label_extractors = { backup = "REGEXP_EXTRACT(jsonPayload.target, \"^backup:(.+)$\")" }

  bucket_options {
    explicit_buckets {
      bounds = [1, 6, 12, 24, 26, 36, 48, 72, 168]
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_monitoring_dashboard" "opsfn" {
  project        = var.project_id
  dashboard_json = file("${path.module}/dashboards/opsfn.json")

  depends_on = [google_logging_metric.audit, google_logging_metric.run_duration, google_logging_metric.backup_age]
}

resource "google_monitoring_alert_policy" "opsfn_failing" {
  count = length(var.human_notification_channels) > 0 ? 1 : 0

  project               = var.project_id
  display_name          = "opsfn: ${var.failed_runs_alert.count} failed runs within ${var.failed_runs_alert.window}"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.human_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "failed runs of one function"

    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.audit["runs"].name}\" AND resource.type=\"cloud_run_revision\" AND metric.labels.outcome=\"fail\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.failed_runs_alert.count - 1
      duration        = "0s"

      aggregations {
        alignment_period     = var.failed_runs_alert.window
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.labels.function"]
      }

      trigger {
        count = 1
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "opsfn $${metric.label.function} keeps failing"
    content   = "opsfn `$${metric.label.function}` failed ${var.failed_runs_alert.count} or more runs within ${var.failed_runs_alert.window}. Read its audit records: jsonPayload.audit=true AND jsonPayload.function=\"$${metric.label.function}\" AND jsonPayload.outcome=\"fail\" in the opsfn-audit log bucket."
  }
}

resource "google_monitoring_alert_policy" "opsfn_breaker" {
  count = length(var.human_notification_channels) > 0 ? 1 : 0

  project               = var.project_id
  display_name          = "opsfn: circuit breaker refusing actions"
  combiner              = "OR"
  severity              = "CRITICAL"
  notification_channels = var.human_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "actions refused by the breaker"

    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.audit["guard_refusals"].name}\" AND resource.type=\"cloud_run_revision\" AND metric.labels.guardrail=\"breaker\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_SUM"
      }

      trigger {
        count = 1
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "opsfn circuit breaker is open"
    content   = "Too many automatic actions in the breaker window: every further action is refused until it closes (guard.breaker.open). Look at the actions before it does."
  }
}

# Pub/Sub gave up on a trigger: after max_delivery_attempts it forwarded the message from a function's push
# subscription (opsfn-<function>-<topic>) to the topic's dead-letter topic, so that run never happened.
# pubsub.googleapis.com/subscription/dead_letter_message_count counts the messages Pub/Sub forwards from a
# subscription to its dead-letter topic, on the pubsub_subscription resource labelled subscription_id
# (https://cloud.google.com/pubsub/docs/monitoring, "Monitor forwarded undeliverable messages"). Only subscriptions
# with a dead-letter policy report it: with delivery = "eventarc" there are none, and this never fires.
resource "google_monitoring_alert_policy" "opsfn_dead_letters" {
  count      = length(var.human_notification_channels) > 0 ? 1 : 0
  depends_on = [google_project_service.apis]

  project               = var.project_id
  display_name          = "opsfn: a trigger was dead-lettered"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.human_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "messages forwarded to a dead-letter topic"

    condition_threshold {
      filter          = "metric.type=\"pubsub.googleapis.com/subscription/dead_letter_message_count\" AND resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=starts_with(\"opsfn-\")"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.subscription_id"]
      }

      trigger {
        count = 1
      }

      # No dead letters reported is none forwarded: the incident closes once they stop.
      evaluation_missing_data = "EVALUATION_MISSING_DATA_INACTIVE"
    }
  }

  alert_strategy {
    auto_close = "1800s"
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "opsfn dead-lettered a trigger of $${resource.label.subscription_id}"
    content   = "Pub/Sub gave up delivering a message of subscription `$${resource.label.subscription_id}` (`opsfn-<function>-<topic>`, the function in kebab case) after ${var.max_delivery_attempts} attempts and moved it to the topic's dead-letter topic: the scheduled run, alert reaction or continuation step it carried did not happen.\n\n1. Pull it from the dead-letter pull subscription `opsfn-<topic>-dlq` (Terraform output `dead_letter_subscriptions`; it keeps messages, acknowledged ones too, for 7 days): its `opsfn-job` attribute names a scheduled job, `opsfn-continue` a continuation step, `CloudPubSubDeadLetterSourceDeliveryCount` the deliveries tried.\n2. Read the function's audit records from that time in the opsfn-audit log bucket: `jsonPayload.audit=true AND jsonPayload.function=\"<entry point>\"` (backupVerify for backup-verify). A `rejected` record says why the request was refused, a `finished` one with outcome `fail` why the run failed; no record at all means the push never reached the function (Cloud Run request logs of `opsfn-<function>`: IAM, OIDC audience, the function failing to start). backupVerify and certExpiry also report a dead-lettered shard failed in their run's records.\n3. Fix the cause, then run the job again by hand or let the next schedule run it."
  }
}
