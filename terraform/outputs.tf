output "function_urls" {
  description = "URL of each function by entry point: manual runs, and the OIDC audiences to list in the estate's auth.oidc.audience."
  value       = { for entry_point, fn in module.function : entry_point => fn.url }
}

output "function_names" {
  description = "Name of each function's Cloud Run service by entry point: grant a caller's account roles/run.invoker on it."
  value       = { for entry_point, fn in module.function : entry_point => fn.function_name }
}

output "function_service_accounts" {
  description = "Runtime service account of each function, by entry point."
  value       = { for entry_point, fn in module.function : entry_point => fn.service_account_email }
}

output "function_sources" {
  description = "Deployed source archive of each function (named by content hash)."
  value       = { for entry_point, fn in module.function : entry_point => fn.source_object }
}

output "topics" {
  description = "Topic ids consumed by the functions, by key (alerts, drill-steps, schedules-<function>)."
  value       = { for key, topic in google_pubsub_topic.inbox : key => topic.id }
}

output "dead_letter_subscriptions" {
  description = "Pull subscriptions holding dead-lettered messages, by topic key: inspect these when a message never lands."
  value       = { for key, sub in google_pubsub_subscription.dead_letter : key => sub.id }
}

output "scheduler_jobs" {
  description = "Cloud Scheduler job ids generated from schedules/*.yaml."
  value       = { for name, job in google_cloud_scheduler_job.job : name => job.id }
}

output "alerts_notification_channel" {
  description = "Pub/Sub notification channel id to attach to further alert policies."
  value       = google_monitoring_notification_channel.alerts.id
}

output "estate_config_url" {
  description = "gs:// URL of the uploaded estate config (OPSFN_CONFIG)."
  value       = local.estate_config_url
}

output "invoker_service_account" {
  description = "Account Pub/Sub and Eventarc invoke the functions with; grant it run.invoker to call them from elsewhere."
  value       = google_service_account.invoker.email
}

output "audit_log_bucket" {
  description = "Log bucket holding the audit records."
  value       = google_logging_project_bucket_config.audit.id
}

output "caller_token_env" {
  description = "The environment variable holding each caller's token, by caller: the estate's auth.tokens[].token is { env: <this> }."
  value       = { for name, caller in var.caller_tokens : name => "OPSFN_TOKEN_${upper(replace(name, "-", "_"))}" }
}

output "build_service_account" {
  description = "Account Cloud Build builds the functions as; whoever runs Terraform needs actAs on it."
  value       = local.build_service_account
}
