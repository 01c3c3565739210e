locals {
  base_secret_environment = merge(
    { OPSFN_TOKEN = var.token_secret },
    var.redis_mode == "none" ? {} : { OPSFN_REDIS_URL = google_secret_manager_secret.redis_url[0].secret_id },
  )
}

module "function" {
  source   = "./modules/function"
  for_each = local.functions

  project_id  = var.project_id
  region      = var.region
  name        = each.value.folder
  entry_point = each.key
  source_dir  = "${local.bundles_dir}/${each.value.folder}"

  source_bucket         = google_storage_bucket.sources.name
  build_service_account = var.build_service_account
  memory                = each.value.memory
  timeout_seconds       = each.value.timeout_seconds
  min_instances         = each.value.min_instances
  max_instances         = each.value.max_instances
  labels                = local.labels

  # A function with a steps topic (drDrill) continues long work through it: one step per invocation.
  environment = merge(
    { OPSFN_CONFIG = local.estate_config_url },
    contains(each.value.topics, "drill-steps") ? { OPSFN_CONTINUATION_TOPIC = google_pubsub_topic.inbox["drill-steps"].id } : {},
  )
  secret_environment = merge(local.base_secret_environment, lookup(var.function_secrets, each.key, {}))

  vpc_connector = local.vpc_connector_id

  subscriptions = {
    for topic in each.value.topics : topic => {
      topic             = google_pubsub_topic.inbox[topic].id
      dead_letter_topic = google_pubsub_topic.dead_letter[topic].id
    }
  }
  delivery                      = var.delivery
  invoker_service_account_email = google_service_account.invoker.email
  pubsub_service_agent          = local.pubsub_service_agent
  max_delivery_attempts         = var.max_delivery_attempts

  depends_on = [
    google_project_service.apis,
    google_secret_manager_secret_version.redis_url,
    google_pubsub_topic_iam_member.dead_letter_publisher,
  ]
}
