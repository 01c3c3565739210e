# Restore loads run as executions of a Cloud Run Job of their function (https://cloud.google.com/run/docs/create-jobs):
# Cloud Functions carry no psql or MariaDB client, so every load of a function with a job goes there. The job
# runs `restore_job_image` (opsfn with the clients: deploy/docker's `runtime` target), its job entry, with the
# function's own identity, secrets, network and estate config. The function starts an execution with the task
# in its environment (jobs.run with overrides), polls it and records the result like any step.
locals {
  restore_jobs = var.restore_job_image == null ? {} : { for name in ["backupVerify", "drDrill"] : name => local.functions[name] if contains(keys(local.functions), name) }
  # A job loads untrusted dumps and serves no HTTP: it gets the state store and its function's own secrets, never the
  # bearer tokens (OPSFN_TOKEN, OPSFN_TOKEN_<NAME>) that would let whatever runs in it call any function.
  job_secret_environment = {
    for name, fn in local.restore_jobs : name => merge(
      var.redis_mode == "none" ? {} : { OPSFN_REDIS_URL = google_secret_manager_secret.redis_url[0].secret_id },
      lookup(var.function_secrets, name, {}),
    )
  }
}

resource "google_cloud_run_v2_job" "restore" {
  for_each = local.restore_jobs
  # Its account's secret grants (the function module) and the Redis URL's version exist first: a job created before
  # them fails to deploy on a secret its account may not read yet.
  depends_on = [google_project_service.apis, module.function, google_secret_manager_secret_version.redis_url]

  project             = var.project_id
  location            = var.region
  name                = "opsfn-restore-${each.value.folder}"
  labels              = merge(local.labels, { opsfn-function = each.value.folder })
  deletion_protection = false

  template {
    task_count = 1

    template {
      timeout = "${var.restore_job_timeout_seconds}s"
      # A failed load is read and reported by the function, never retried blindly over a half-loaded copy.
      max_retries     = 0
      service_account = module.function[each.key].service_account_email

      containers {
        image   = var.restore_job_image
        command = ["node"]
        args    = ["/app/dist/functions/job.js"]

        resources {
          limits = { memory = var.restore_job_memory, cpu = "1" }
        }

        env {
          name  = "OPSFN_CONFIG"
          value = local.estate_config_url
        }

        dynamic "env" {
          for_each = var.redis_mode == "memorystore" || (var.redis_mode == "url" && var.redis_ca != null) ? { OPSFN_REDIS_CA = local.redis_ca } : {}
          content {
            name  = env.key
            value = env.value
          }
        }

        dynamic "env" {
          for_each = local.job_secret_environment[each.key]
          content {
            name = env.key
            value_source {
              secret_key_ref {
                secret = env.value
                # The Redis URL at the version Terraform wrote (functions.tf), so a new URL is a new job template.
                version = lookup(local.pinned_secret_versions, env.value, "latest")
              }
            }
          }
        }
      }

      dynamic "vpc_access" {
        for_each = local.vpc_connector_id == null ? [] : [local.vpc_connector_id]
        content {
          connector = vpc_access.value
          egress    = "PRIVATE_RANGES_ONLY"
        }
      }
    }
  }
}

# Running the job with the task in its environment, and reading its executions: on this job only.
resource "google_project_iam_custom_role" "restore_job" {
  count      = length(local.restore_jobs) > 0 ? 1 : 0
  depends_on = [google_project_service.apis]

  project     = var.project_id
  role_id     = "opsfnRestoreJob"
  title       = "opsfn: run a restore job"
  description = "Start an execution of a Cloud Run Job with overrides and read its executions."
  permissions = ["run.executions.get", "run.jobs.run", "run.jobs.runWithOverrides"]
}

resource "google_cloud_run_v2_job_iam_member" "restore" {
  for_each = local.restore_jobs

  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_job.restore[each.key].name
  role     = google_project_iam_custom_role.restore_job[0].id
  member   = module.function[each.key].service_account_member
}
