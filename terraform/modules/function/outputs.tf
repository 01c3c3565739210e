output "uri" {
  description = "HTTPS endpoint of the function's Cloud Run service (run.app)."
  value       = google_cloudfunctions2_function.function.service_config[0].uri
}

output "url" {
  description = "cloudfunctions.net URL of the function: manual runs, and the OIDC audience of its push subscriptions."
  value       = google_cloudfunctions2_function.function.url
}

output "entry_point" {
  description = "The functions-framework target deployed (<name> for HTTP and push, <name>Event for Eventarc)."
  value       = local.target
}

output "function_name" {
  description = "Name of the gen2 function and of its Cloud Run service."
  value       = google_cloudfunctions2_function.function.name
}

output "service_account_email" {
  description = "Runtime service account of the function."
  value       = google_service_account.function.email
}

output "service_account_member" {
  description = "IAM member string of the runtime service account."
  value       = google_service_account.function.member
}

output "source_object" {
  description = "gs:// object of the deployed source archive, named by its content hash."
  value       = "gs://${var.source_bucket}/${google_storage_bucket_object.source.name}"
}

output "subscriptions" {
  description = "Delivery resources by topic key: push subscription ids or Eventarc trigger ids."
  value = merge(
    { for key, sub in google_pubsub_subscription.push : key => sub.id },
    { for key, trigger in google_eventarc_trigger.topic : key => trigger.id },
  )
}
