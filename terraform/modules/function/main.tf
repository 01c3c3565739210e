locals {
  function_name = "opsfn-${var.name}"
  # functions/index.ts registers `<name>` (HTTP: webhooks, manual runs, Pub/Sub push) and
  # `<name>Event` (CloudEvents); Eventarc delivery needs the latter, which serves events only.
  target = var.delivery == "eventarc" && length(var.subscriptions) > 0 ? "${var.entry_point}Event" : var.entry_point
  # The bundle's content hash names the object, so any code change uploads a new object and redeploys.
  source_object = "${var.name}/${data.archive_file.source.output_sha256}.zip"
  # The instance's memory in MiB, as its container's limit reads: what the runtime buildpack sizes the heap from.
  memory_mb = (
    endswith(var.memory, "Gi") ? tonumber(trimsuffix(var.memory, "Gi")) * 1024 :
    endswith(var.memory, "Mi") ? tonumber(trimsuffix(var.memory, "Mi")) :
    endswith(var.memory, "G") ? floor(tonumber(trimsuffix(var.memory, "G")) * 1000000000 / 1048576) :
    floor(tonumber(trimsuffix(var.memory, "M")) * 1000000 / 1048576)
  )
}

data "archive_file" "source" {
  type        = "zip"
  source_dir  = var.source_dir
  output_path = "${path.root}/.terraform/opsfn-bundles/${var.name}.zip"
  # A compile cache left in the bundle by running its gcp-build step by hand was written for this machine's paths;
  # the build writes its own.
  excludes = [".compile-cache"]
}

resource "google_storage_bucket_object" "source" {
  bucket = var.source_bucket
  name   = local.source_object
  source = data.archive_file.source.output_path
}

resource "google_service_account" "function" {
  project      = var.project_id
  account_id   = local.function_name
  display_name = "opsfn ${var.entry_point}"
  description  = "Runtime identity of the ${var.entry_point} function; holds only the roles that function needs."
}

resource "google_cloudfunctions2_function" "function" {
  project     = var.project_id
  location    = var.region
  name        = local.function_name
  description = "opsfn ${var.entry_point}"
  labels      = merge(var.labels, { opsfn-function = var.name })

  build_config {
    runtime           = var.runtime
    entry_point       = local.target
    service_account   = var.build_service_account
    docker_repository = var.docker_repository
    # For the bundle's gcp-build step, which writes Node's compile cache for the flags the function starts with: the
    # function's memory (the runtime buildpack's heap size) and its own NODE_OPTIONS, which the build does not see.
    environment_variables = merge(
      { OPSFN_MEMORY_MB = tostring(local.memory_mb) },
      contains(keys(var.environment), "NODE_OPTIONS") ? { OPSFN_RUNTIME_NODE_OPTIONS = var.environment["NODE_OPTIONS"] } : {},
    )

    source {
      storage_source {
        bucket = var.source_bucket
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory                 = var.memory
    timeout_seconds                  = var.timeout_seconds
    min_instance_count               = var.min_instances
    max_instance_count               = var.max_instances
    max_instance_request_concurrency = var.concurrency
    ingress_settings                 = var.ingress
    all_traffic_on_latest_revision   = true
    service_account_email            = google_service_account.function.email
    vpc_connector                    = var.vpc_connector
    vpc_connector_egress_settings    = var.vpc_connector == null ? null : var.vpc_egress
    # OPSFN_FUNCTION_TIMEOUT: the runtime ends a run inside the platform's request timeout, so it is audited and its
    # lock released before the platform cuts the request off. NODE_COMPILE_CACHE: the V8 code cache the bundle's
    # gcp-build step wrote into the source directory (the runtime's working directory) when the build ran; a start
    # reads functions-framework's and the bundle's code from it instead of compiling them (tools/bundle/README.md).
    environment_variables = merge(var.environment, {
      LOG_EXECUTION_ID       = "true"
      OPSFN_FUNCTION_TIMEOUT = tostring(var.timeout_seconds)
      NODE_COMPILE_CACHE     = ".compile-cache"
    })

    dynamic "secret_environment_variables" {
      for_each = var.secret_environment
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = secret_environment_variables.value
        # Resolved when an instance starts: an update to "latest" reaches no running instance, while a new pinned
        # version is a new revision. The provider recommends numeric versions for secret environment variables
        # (secret_environment_variables.version in
        # https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/cloudfunctions2_function).
        version = lookup(var.secret_versions, secret_environment_variables.value, "latest")
      }
    }
  }

  # The secrets must be readable before the first revision starts, or it fails to boot.
  depends_on = [google_secret_manager_secret_iam_member.own]
}
