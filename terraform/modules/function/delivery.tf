# Push subscriptions are the default: they carry the retry and dead-letter policy, so a poison
# message stops after max_delivery_attempts instead of being retried for a day. They push to the
# HTTP entry point, which parses Pub/Sub push bodies and checks the OIDC token (audience = the
# function's cloudfunctions.net URL, caller = the invoker account) when the estate sets auth.oidc;
# the path ends with the topic id so the message's origin is visible in request logs.
resource "google_pubsub_subscription" "push" {
  for_each = var.delivery == "push" ? var.subscriptions : {}

  project                    = var.project_id
  name                       = "${local.function_name}-${each.key}"
  topic                      = each.value.topic
  ack_deadline_seconds       = min(var.timeout_seconds, 600)
  message_retention_duration = coalesce(each.value.retention, var.message_retention)
  labels                     = merge(var.labels, { opsfn-function = var.name })

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.function.url}/${each.value.topic}"

    oidc_token {
      service_account_email = var.invoker_service_account_email
      audience              = google_cloudfunctions2_function.function.url
    }
  }

  dynamic "dead_letter_policy" {
    for_each = each.value.dead_letter_topic == null ? [] : [each.value.dead_letter_topic]
    content {
      dead_letter_topic     = dead_letter_policy.value
      max_delivery_attempts = var.max_delivery_attempts
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_cloud_run_v2_service_iam_member.invoker]
}

# The Pub/Sub service agent must be able to pull from the source subscription to dead-letter.
resource "google_pubsub_subscription_iam_member" "dead_letter_forwarder" {
  for_each = { for key, sub in google_pubsub_subscription.push : key => sub if var.subscriptions[key].dead_letter_topic != null }

  project      = var.project_id
  subscription = each.value.name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${var.pubsub_service_agent}"
}

# Eventarc delivers the same message as a binary-mode CloudEvent
# (google.cloud.pubsub.topic.v1.messagePublished) to the `<entry point>Event` CloudEvent target;
# Cloud Run IAM authenticates it, and its managed subscription has no dead-letter topic.
resource "google_eventarc_trigger" "topic" {
  for_each = var.delivery == "eventarc" ? var.subscriptions : {}

  project         = var.project_id
  location        = var.region
  name            = "${local.function_name}-${each.key}"
  service_account = var.invoker_service_account_email
  labels          = merge(var.labels, { opsfn-function = var.name })

  matching_criteria {
    attribute = "type"
    value     = "google.cloud.pubsub.topic.v1.messagePublished"
  }

  destination {
    cloud_run_service {
      service = google_cloudfunctions2_function.function.name
      region  = var.region
    }
  }

  transport {
    pubsub {
      topic = each.value.topic
    }
  }

  depends_on = [google_cloud_run_v2_service_iam_member.invoker]
}
