# Cloud Functions builds each function with Cloud Build as this account, not the project's default one
# (whose roles vary by project age and organisation policy):
# https://cloud.google.com/functions/docs/securing/build-custom-sa. Whoever runs Terraform needs
# iam.serviceAccounts.actAs on it (roles/iam.serviceAccountUser), as for the runtime accounts.
locals {
  build_service_account = var.build_service_account != null ? var.build_service_account : google_service_account.build[0].id
  # Writes build logs and the built image (gcf-artifacts); reads the uploaded source archive.
  build_roles = var.build_service_account == null ? ["roles/artifactregistry.writer", "roles/logging.logWriter"] : []
}

resource "google_service_account" "build" {
  count      = var.build_service_account == null ? 1 : 0
  depends_on = [google_project_service.apis]

  project      = var.project_id
  account_id   = "opsfn-build"
  display_name = "opsfn build"
  description  = "Builds the opsfn functions (Cloud Build); holds only the roles a build needs."
}

resource "google_project_iam_member" "build" {
  for_each = toset(local.build_roles)

  project = var.project_id
  role    = each.value
  member  = google_service_account.build[0].member
}

resource "google_storage_bucket_iam_member" "build_source_reader" {
  count = var.build_service_account == null ? 1 : 0

  bucket = google_storage_bucket.sources.name
  role   = "roles/storage.objectViewer"
  member = google_service_account.build[0].member
}
