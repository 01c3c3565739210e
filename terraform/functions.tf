locals {
  # OPSFN_TOKEN is the full-access token; each caller's own token is OPSFN_TOKEN_<NAME>. Every function can
  # resolve every entry of the estate's auth.tokens (one config for all), and `allow` there decides which
  # function and route each caller may reach.
  caller_token_environment = {
    for name, caller in var.caller_tokens : "OPSFN_TOKEN_${upper(replace(name, "-", "_"))}" => caller.secret
  }
  base_secret_environment = merge(
    var.token_secret == null ? {} : { OPSFN_TOKEN = var.token_secret },
    local.caller_token_environment,
    var.redis_mode == "none" ? {} : { OPSFN_REDIS_URL = google_secret_manager_secret.redis_url[0].secret_id },
  )
  # A secret Terraform writes itself is read at the version it wrote, by secret id: a new value is a new version,
  # hence a new revision of every function (and a new restore job template) reading it. With "latest", a warm instance
  # keeps the value it started with until a redeploy. Secrets created outside Terraform (the tokens, function_secrets)
  # stay at "latest": Terraform does not know their versions.
  pinned_secret_versions = var.redis_mode == "none" ? {} : {
    (local.redis_url_secret_id) = google_secret_manager_secret_version.redis_url[0].version
  }
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
  build_service_account = local.build_service_account
  docker_repository     = google_artifact_registry_repository.functions.id
  memory                = each.value.memory
  timeout_seconds       = each.value.timeout_seconds
  min_instances         = each.value.min_instances
  max_instances         = each.value.max_instances
  labels                = local.labels

  # A function with a continuation topic sends the rest of its work through it: drDrill one step per
  # invocation, backupVerify and certExpiry one shard of a large run per invocation.
  environment = merge(
    { OPSFN_CONFIG = local.estate_config_url },
    var.redis_mode == "memorystore" || (var.redis_mode == "url" && var.redis_ca != null) ? { OPSFN_REDIS_CA = local.redis_ca } : {},
    each.value.continuation == null ? {} : { OPSFN_CONTINUATION_TOPIC = google_pubsub_topic.inbox[each.value.continuation].id },
    # Its restore job (jobs.tf) when there is one, named rather than referenced.
    contains(keys(local.restore_jobs), each.key) ? { OPSFN_RESTORE_JOB = "projects/${var.project_id}/locations/${var.region}/jobs/opsfn-restore-${each.value.folder}" } : {},
    # The account a drill's run.deploy copy runs as: the one drDrill may act as (iam-drill.tf).
    each.key == "drDrill" && var.dr_runtime_service_account != null ? { OPSFN_DR_SERVICE_ACCOUNT = var.dr_runtime_service_account } : {},
  )
  secret_environment = merge(local.base_secret_environment, lookup(var.function_secrets, each.key, {}))
  secret_versions    = local.pinned_secret_versions

  vpc_connector = local.vpc_connector_id

  subscriptions = merge(
    {
      for topic in each.value.topics : topic => {
        topic             = google_pubsub_topic.inbox[topic].id
        dead_letter_topic = google_pubsub_topic.dead_letter[topic].id
      }
    },
    # Its continuation's dead letters come back to it. They have no dead-letter topic of their own: one the
    # function cannot take is retried for an hour, then dropped here (the topic's pull subscription keeps a copy).
    each.value.dead_letters ? {
      "${each.value.continuation}-dlq" = {
        topic             = google_pubsub_topic.dead_letter[each.value.continuation].id
        dead_letter_topic = null
        retention         = "3600s"
      }
    } : {},
  )
  delivery                      = var.delivery
  invoker_service_account_email = google_service_account.invoker.email
  pubsub_service_agent          = local.pubsub_service_agent
  max_delivery_attempts         = var.max_delivery_attempts

  depends_on = [
    google_project_service.apis,
    google_secret_manager_secret_version.redis_url,
    google_pubsub_topic_iam_member.dead_letter_publisher,
    google_project_iam_member.build,
    google_artifact_registry_repository_iam_member.build_writer,
    google_storage_bucket_iam_member.build_source_reader,
  ]
}
