locals {
  # The six functions: entry point => folder (functions/<folder>, dist/bundles/<folder>), the
  # topics each consumes and its sizing. Scheduled functions consume their own schedules topic; a
  # function whose work outlives one invocation continues it through its `continuation` topic
  # (drDrill's steps, the shards of a backupVerify or certExpiry run), which it also consumes. A function with
  # `dead_letters` also consumes its continuation's dead-letter topic: a shard whose every delivery failed comes
  # back there and is reported failed at once.
  function_catalogue = {
    backupVerify = { folder = "backup-verify", topics = ["schedules-backup-verify", "shards-backup-verify"], continuation = "shards-backup-verify", dead_letters = true, memory = "512Mi", timeout_seconds = 540, min_instances = 0, max_instances = 2 }
    certExpiry   = { folder = "cert-expiry", topics = ["schedules-cert-expiry", "shards-cert-expiry"], continuation = "shards-cert-expiry", dead_letters = true, memory = "256Mi", timeout_seconds = 300, min_instances = 0, max_instances = 2 }
    autoscale    = { folder = "autoscale", topics = ["alerts", "schedules-autoscale"], continuation = null, dead_letters = false, memory = "256Mi", timeout_seconds = 120, min_instances = 1, max_instances = 5 }
    rollback     = { folder = "rollback", topics = ["alerts"], continuation = null, dead_letters = false, memory = "256Mi", timeout_seconds = 540, min_instances = 1, max_instances = 5 }
    drDrill      = { folder = "dr-drill", topics = ["schedules-dr-drill", "drill-steps"], continuation = "drill-steps", dead_letters = false, memory = "512Mi", timeout_seconds = 540, min_instances = 0, max_instances = 1 }
    healthSweep  = { folder = "health-sweep", topics = ["alerts", "schedules-health-sweep"], continuation = null, dead_letters = false, memory = "256Mi", timeout_seconds = 540, min_instances = 0, max_instances = 2 }
  }

  functions = {
    for entry_point, spec in local.function_catalogue : entry_point => merge(spec, {
      memory          = coalesce(try(var.functions[entry_point].memory, null), spec.memory)
      timeout_seconds = coalesce(try(var.functions[entry_point].timeout_seconds, null), spec.timeout_seconds)
      min_instances   = coalesce(try(var.functions[entry_point].min_instances, null), spec.min_instances)
      max_instances   = coalesce(try(var.functions[entry_point].max_instances, null), spec.max_instances)
    }) if try(var.functions[entry_point].enabled, true)
  }

  bundles_dir = coalesce(var.bundles_dir, "${path.module}/../dist/bundles")
  labels      = merge(var.labels, { managed-by = "opsfn" })

  pubsub_service_agent     = "service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  monitoring_service_agent = "service-${data.google_project.this.number}@gcp-sa-monitoring-notification.iam.gserviceaccount.com"
  estate_config_object     = "estate/${filesha256(var.estate_config_path)}.json"
  # The estate itself, read here so the Scheduler jobs and the alert policies follow it (its `schedules`
  # overrides, its `timezone`, its rollback policies) instead of a second copy that could disagree.
  estate            = yamldecode(file(var.estate_config_path))
  estate_config_url = "gs://${google_storage_bucket.config.name}/${local.estate_config_object}"
  # Every resource waits for these (test/terraform/dependencies.test.ts maps each resource type to its API):
  # compute for the VPC connector and Memorystore's network, cloudresourcemanager for project IAM.
  required_apis = [
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "cloudscheduler.googleapis.com",
    "compute.googleapis.com",
    "eventarc.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "redis.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "sqladmin.googleapis.com",
    "storage.googleapis.com",
    "vpcaccess.googleapis.com",
  ]
}

data "google_project" "this" {
  project_id = var.project_id
}

resource "google_project_service" "apis" {
  for_each = toset(local.required_apis)

  project = var.project_id
  service = each.value
  # Other workloads of the project may use the same APIs: never turn them off on destroy.
  disable_on_destroy = false
}

resource "google_storage_bucket" "sources" {
  depends_on = [google_project_service.apis]

  project                     = var.project_id
  name                        = "${var.project_id}-opsfn-sources"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = local.labels

  lifecycle_rule {
    condition {
      age = 30
    }
    action {
      type = "Delete"
    }
  }
}

resource "google_storage_bucket" "config" {
  depends_on = [google_project_service.apis]

  project                     = var.project_id
  name                        = "${var.project_id}-opsfn-config"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = local.labels

  versioning {
    enabled = true
  }
}

# Named by content hash: a config change is a new OPSFN_CONFIG value, hence a new revision of
# every function, and the previous config stays readable for a rollback. Uploaded as JSON (the same
# document: YAML is a superset): a function reads it with JSON.parse and never loads a YAML parser
# at cold start (`opsfn config validate` checks the YAML itself before a deploy).
resource "google_storage_bucket_object" "estate" {
  bucket = google_storage_bucket.config.name
  name   = local.estate_config_object
  # Uploaded as JSON: a deployed function reads it without loading a YAML parser at cold start.
  content      = jsonencode(local.estate)
  content_type = "application/json"

  lifecycle {
    precondition {
      condition     = length(setsubtract(keys(local.estate_schedules), keys(local.packaged_schedules))) == 0
      error_message = "The estate's schedules name jobs that schedules/ does not have: ${join(", ", setsubtract(keys(local.estate_schedules), keys(local.packaged_schedules)))}."
    }
  }
}

resource "google_storage_bucket" "reports" {
  count      = var.create_reports_bucket ? 1 : 0
  depends_on = [google_project_service.apis]

  project                     = var.project_id
  name                        = var.reports_bucket
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = local.labels

  versioning {
    enabled = true
  }

  lifecycle {
    precondition {
      condition     = var.reports_bucket != null
      error_message = "create_reports_bucket needs reports_bucket."
    }
  }
}
