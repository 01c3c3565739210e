# Cloud Functions builds each function with Cloud Build as this account, not the project's default one
# (whose roles vary by project age and organisation policy):
# https://cloud.google.com/functions/docs/securing/build-custom-sa. Whoever runs Terraform needs
# iam.serviceAccounts.actAs on it (roles/iam.serviceAccountUser), as for the runtime accounts.
locals {
  build_service_account = var.build_service_account != null ? var.build_service_account : google_service_account.build[0].id
  # The id ends with the account's email: projects/P/serviceAccounts/EMAIL.
  build_member = var.build_service_account != null ? "serviceAccount:${regex("[^/]+$", var.build_service_account)}" : google_service_account.build[0].member
  # Project-wide, opsfn-build only writes its build logs. The image goes to opsfn's own repository and the source
  # comes from opsfn's sources bucket, granted below on those two alone, to whichever account builds; an account
  # given in build_service_account gets no project role here (it needs roles/logging.logWriter from its owner).
  build_roles = var.build_service_account == null ? ["roles/logging.logWriter"] : []
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

# The functions' built images, instead of the gcf-artifacts repository Cloud Functions would create (and share with
# every other function of the project in the region): the build account may write here and nowhere else in Artifact
# Registry
# (https://cloud.google.com/functions/docs/building#image_registry). The provider's build_config.docker_repository
# (https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/cloudfunctions2_function) is the
# API's BuildConfig.dockerRepository: projects/P/locations/L/repositories/R, format DOCKER, in the function's own
# project and location (https://cloud.google.com/dotnet/docs/reference/Google.Cloud.Functions.V2/latest/Google.Cloud.Functions.V2.BuildConfig).
resource "google_artifact_registry_repository" "functions" {
  depends_on = [google_project_service.apis]

  project       = var.project_id
  location      = var.region
  repository_id = "opsfn-functions"
  format        = "DOCKER"
  description   = "Images Cloud Build builds of the opsfn functions."
  labels        = local.labels

  # Every deploy pushes a new image per function. A serving revision starts its instances from its image, so the
  # newest versions of each image are kept whatever their age; older ones go after function_image_max_age_days.
  # A keep policy wins over a delete policy that matches the same version
  # (https://cloud.google.com/artifact-registry/docs/repositories/cleanup-policy-overview).
  cleanup_policy_dry_run = false
  cleanup_policies {
    id     = "keep-newest"
    action = "KEEP"
    most_recent_versions {
      keep_count = var.function_image_keep
    }
  }
  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      older_than = "${var.function_image_max_age_days * 86400}s"
    }
  }
}

resource "google_artifact_registry_repository_iam_member" "build_writer" {
  project    = var.project_id
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.writer"
  member     = local.build_member
}

resource "google_storage_bucket_iam_member" "build_source_reader" {
  bucket = google_storage_bucket.sources.name
  role   = "roles/storage.objectViewer"
  member = local.build_member
}

# This grant was opsfn-build's alone (count) before it went to whichever account builds: opsfn-build keeps the grant
# it has instead of losing it to a destroy and a create of the same binding.
moved {
  from = google_storage_bucket_iam_member.build_source_reader[0]
  to   = google_storage_bucket_iam_member.build_source_reader
}
