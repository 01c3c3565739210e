locals {
  # Every topic a function consumes gets a dead-letter twin and a pull subscription on it, so a
  # poison message is kept for inspection instead of being lost or retried forever.
  # The alerts topic always exists: the Monitoring notification channel publishes to it.
  topics = toset(concat(["alerts"], flatten([for spec in values(local.functions) : spec.topics])))
}

resource "google_pubsub_topic" "inbox" {
  for_each = local.topics

  project                    = var.project_id
  name                       = "opsfn-${each.key}"
  labels                     = local.labels
  message_retention_duration = "86400s"

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "dead_letter" {
  for_each = local.topics

  project = var.project_id
  name    = "opsfn-${each.key}-dlq"
  labels  = local.labels

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_subscription" "dead_letter" {
  for_each = local.topics

  project                    = var.project_id
  name                       = "opsfn-${each.key}-dlq"
  topic                      = google_pubsub_topic.dead_letter[each.key].id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  retain_acked_messages      = true
  labels                     = local.labels

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = local.topics

  project = var.project_id
  topic   = google_pubsub_topic.dead_letter[each.key].name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${local.pubsub_service_agent}"
}

# Each function may publish the continuations of its own work to its continuation topic, and only there.
resource "google_pubsub_topic_iam_member" "continuation_publisher" {
  for_each = { for name, spec in local.functions : name => spec.continuation if spec.continuation != null }

  project = var.project_id
  topic   = google_pubsub_topic.inbox[each.value].name
  role    = "roles/pubsub.publisher"
  member  = local.sa[each.key]
}
