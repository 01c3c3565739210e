locals {
  run_request_count = "metric.type=\"run.googleapis.com/request_count\" AND resource.type=\"cloud_run_revision\""
  run_latencies     = "metric.type=\"run.googleapis.com/request_latencies\" AND resource.type=\"cloud_run_revision\""

  # The estate's rollback policies that a Cloud Monitoring alert reaches (matched on the opsfn-function label) and
  # that Cloud Monitoring measures (no PromQL query, no probe): each becomes the alert policy it waits for, with
  # its own threshold and window, so the alert and the confirmation cannot disagree.
  estate_rollback_policies = try([for i, p in local.estate.rollback.policies : merge(p, { index = tostring(i) })], [])
  estate_error_rate_alerts = {
    for p in local.estate_rollback_policies : try(p.name, "rollback-${p.index}") => {
      kind         = can(regex("/[sm]$", local.estate_threshold_text[p.index])) ? "rate" : "ratio"
      threshold    = local.estate_thresholds[p.index]
      duration     = "${max(60, ceil(sum([for part in regexall("([0-9.]+)(ms|s|m|h|d|w)", try(p.errorRate.window, "5m")) : tonumber(part[0]) * local.duration_seconds[part[1]]]) / 60) * 60)}s"
      service      = try(local.estate.services[p.service].name, null)
      severity     = "CRITICAL"
      function     = "rollback"
      display_name = "${try(p.name, "rollback-${p.index}")}: 5xx ${local.estate_threshold_text[p.index]} for ${try(p.errorRate.window, "5m")}${try(" (${local.estate.services[p.service].name})", "")}"
    }
    if try(p.match.labels["opsfn-function"], "") == "rollback" && try(p.errorRate.query, null) == null && try(p.errorRate.probe, null) == null
  }
  # Without spaces: the estate accepts "1 / m" as it does "1/m".
  estate_threshold_text = { for p in local.estate_rollback_policies : p.index => replace(tostring(p.errorRate.threshold), " ", "") }
  # "5%" and 0.05 are shares of requests, "0.01/s" and "1/m" rates of 5xx responses (ErrorThresholdSchema).
  estate_thresholds = {
    for p in local.estate_rollback_policies : p.index => tonumber(regex("^[0-9.]+", local.estate_threshold_text[p.index])) / (
      endswith(local.estate_threshold_text[p.index], "%") ? 100 : endswith(local.estate_threshold_text[p.index], "/m") ? 60 : 1
    )
  }
  error_rate_alerts = var.error_rate_alerts == null ? local.estate_error_rate_alerts : {
    for key, alert in var.error_rate_alerts : key => merge(alert, { kind = coalesce(alert.kind, "ratio") })
  }
}

# Cloud Monitoring publishes each incident (schema 1.2 JSON) to the alerts topic, which rollback
# and autoscale consume; they tell the policies apart by the user labels set below.
resource "google_monitoring_notification_channel" "alerts" {
  project      = var.project_id
  display_name = "opsfn alerts topic"
  type         = "pubsub"
  labels = {
    topic = google_pubsub_topic.inbox["alerts"].id
  }
  user_labels = local.labels
}

# The project's Monitoring notification service agent is created with the first Pub/Sub channel
# (https://cloud.google.com/monitoring/support/notification-options#pubsub): grant it after the channel,
# and let the policies that could notify through the channel wait for the grant.
resource "google_pubsub_topic_iam_member" "monitoring_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.inbox["alerts"].name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${local.monitoring_service_agent}"

  depends_on = [google_monitoring_notification_channel.alerts]
}

resource "google_monitoring_alert_policy" "error_rate" {
  for_each = local.error_rate_alerts

  project      = var.project_id
  display_name = each.value.display_name
  combiner     = "OR"
  severity     = each.value.severity
  notification_channels = concat(
    [google_monitoring_notification_channel.alerts.id],
    var.human_notification_channels,
  )
  user_labels = {
    opsfn-function = each.value.function
    opsfn-alert    = each.key
  }

  depends_on = [google_pubsub_topic_iam_member.monitoring_publisher]

  conditions {
    display_name = each.value.kind == "rate" ? "5xx above ${each.value.threshold}/s for ${each.value.duration}" : "5xx ratio above ${round(each.value.threshold * 10000) / 100} % for ${each.value.duration}"

    condition_threshold {
      filter = join(" AND ", compact([
        local.run_request_count,
        "metric.labels.response_code_class=\"5xx\"",
        each.value.service == null ? "" : "resource.labels.service_name=\"${each.value.service}\"",
      ]))
      # A rate threshold compares the 5xx responses per second alone; a ratio divides by all requests.
      denominator_filter = each.value.kind == "rate" ? null : join(" AND ", compact([
        local.run_request_count,
        each.value.service == null ? "" : "resource.labels.service_name=\"${each.value.service}\"",
      ]))
      comparison      = "COMPARISON_GT"
      threshold_value = each.value.threshold
      duration        = each.value.duration

      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.service_name", "resource.labels.location"]
      }

      dynamic "denominator_aggregations" {
        for_each = each.value.kind == "rate" ? [] : [1]
        content {
          alignment_period     = "60s"
          per_series_aligner   = "ALIGN_RATE"
          cross_series_reducer = "REDUCE_SUM"
          group_by_fields      = ["resource.labels.service_name", "resource.labels.location"]
        }
      }

      trigger {
        count = 1
      }

      # No traffic is not an error spike: never roll back on silence.
      evaluation_missing_data = "EVALUATION_MISSING_DATA_INACTIVE"
    }
  }

  alert_strategy {
    auto_close = "1800s"
    # CLOSED matters: autoscale steps back down when the incident resolves.
    notification_prompts = ["OPENED", "CLOSED"]
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "${each.value.display_name}: $${resource.label.service_name}"
    content   = "Cloud Run 5xx ${each.value.kind == "rate" ? "above ${each.value.threshold}/s" : "ratio above ${round(each.value.threshold * 10000) / 100} %"} for ${each.value.duration}. opsfn `${each.value.function}` receives this incident from the alerts topic; see its audit records (jsonPayload.audit=true) in the opsfn-audit log bucket."
  }
}

# A latency alert per `latency_alerts` entry: the p50/p95/p99 of Cloud Run request latencies above a threshold
# for a while, the incident an autoscale policy matched on opsfn-function=autoscale pre-warms instances for.
resource "google_monitoring_alert_policy" "latency" {
  for_each = var.latency_alerts

  project      = var.project_id
  display_name = each.value.display_name
  combiner     = "OR"
  severity     = each.value.severity
  notification_channels = concat(
    [google_monitoring_notification_channel.alerts.id],
    var.human_notification_channels,
  )
  user_labels = {
    opsfn-function = each.value.function
    opsfn-alert    = each.key
  }

  depends_on = [google_pubsub_topic_iam_member.monitoring_publisher]

  conditions {
    display_name = "p${each.value.percentile} latency above ${each.value.threshold_ms} ms for ${each.value.duration}"

    condition_threshold {
      filter = join(" AND ", compact([
        local.run_latencies,
        each.value.service == null ? "" : "resource.labels.service_name=\"${each.value.service}\"",
      ]))
      comparison      = "COMPARISON_GT"
      threshold_value = each.value.threshold_ms
      duration        = each.value.duration

      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_PERCENTILE_${each.value.percentile}"
        cross_series_reducer = "REDUCE_MAX"
        group_by_fields      = ["resource.labels.service_name", "resource.labels.location"]
      }

      trigger {
        count = 1
      }

      # No traffic is not slowness: never scale on silence.
      evaluation_missing_data = "EVALUATION_MISSING_DATA_INACTIVE"
    }
  }

  alert_strategy {
    auto_close = "1800s"
    # CLOSED matters: autoscale steps back down when the incident resolves.
    notification_prompts = ["OPENED", "CLOSED"]
    # Reminders of the open incident reach autoscale as repeats of its firing, the way Alertmanager's
    # repeat_interval does: an incident longer than the policy's down.staleAfter (6h) stays scaled up,
    # never taken for one whose CLOSED was lost.
    notification_channel_strategy {
      notification_channel_names = [google_monitoring_notification_channel.alerts.id]
      renotify_interval          = "3600s"
    }
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "${each.value.display_name}: $${resource.label.service_name}"
    content   = "Cloud Run p${each.value.percentile} request latency above ${each.value.threshold_ms} ms for ${each.value.duration}. opsfn `${each.value.function}` receives this incident from the alerts topic; see its audit records (jsonPayload.audit=true) in the opsfn-audit log bucket."
  }
}
