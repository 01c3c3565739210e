locals {
  run_request_count = "metric.type=\"run.googleapis.com/request_count\" AND resource.type=\"cloud_run_revision\""
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
  for_each = var.error_rate_alerts

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
    display_name = "5xx ratio above ${round(each.value.threshold * 10000) / 100} % for ${each.value.duration}"

    condition_threshold {
      filter = join(" AND ", compact([
        local.run_request_count,
        "metric.labels.response_code_class=\"5xx\"",
        each.value.service == null ? "" : "resource.labels.service_name=\"${each.value.service}\"",
      ]))
      denominator_filter = join(" AND ", compact([
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

      denominator_aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.service_name", "resource.labels.location"]
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
    content   = "Cloud Run 5xx ratio above ${round(each.value.threshold * 10000) / 100} % for ${each.value.duration}. opsfn `${each.value.function}` receives this incident from the alerts topic; see its audit records (jsonPayload.audit=true) in the opsfn-audit log bucket."
  }
}
