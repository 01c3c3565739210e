locals {
  # Every function writes its audit trail and metrics; nothing broader at project level here.
  common_roles = ["roles/logging.logWriter", "roles/monitoring.metricWriter"]
}

resource "google_project_iam_member" "common" {
  for_each = toset(local.common_roles)

  project = var.project_id
  role    = each.value
  member  = google_service_account.function.member
}

resource "google_secret_manager_secret_iam_member" "own" {
  for_each = toset(values(var.secret_environment))

  project   = var.project_id
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.function.member
}

resource "google_cloud_run_v2_service_iam_member" "invoker" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.function.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${var.invoker_service_account_email}"
}
