locals {
  # schedules/*.yaml is the single source shared with the embedded scheduler of `opsfn serve`;
  # the fields and defaults mirror ScheduleSchema in shared/core/config/schedule.ts.
  schedule_dir   = "${path.module}/../schedules"
  schedule_files = fileset(local.schedule_dir, "*.yaml")
  packaged_schedules = {
    for file in local.schedule_files : trimsuffix(file, ".yaml") => yamldecode(file("${local.schedule_dir}/${file}"))
  }
  # The estate's `schedules` section overrides a job's schedule, timeZone, paused and payload for this estate,
  # as `opsfn serve` applies it (effectiveSchedules in shared/core/config/schedule-overrides.ts).
  estate_schedules = try({ for name, override in local.estate.schedules : name => override }, {})
  schedules = {
    for name, job in local.packaged_schedules : name => merge(job, try({
      for key, value in local.estate_schedules[name] : key => value
      if contains(["schedule", "timeZone", "paused", "payload"], key)
    }, {}))
  }
  # A job without a timeZone runs in the estate's; var.timezone only for an estate file that names none.
  schedule_time_zone = { for name, job in local.schedules : name => try(job.timeZone, local.estate.timezone, var.timezone) }

  # A disabled function (`functions = { X = { enabled = false } }`) has no topic to start it on, so its
  # jobs are left out; a job naming no opsfn function at all is kept, for its precondition to refuse it.
  scheduled_jobs = {
    for name, job in local.schedules : name => job if try(var.functions[job.function].enabled, true)
  }

  schedule_topic = {
    for name, job in local.schedules : name => "schedules-${try(local.function_catalogue[job.function].folder, job.function)}"
  }

  duration_seconds = { ms = 0.001, s = 1, m = 60, h = 3600, d = 86400, w = 604800 }
  schedule_retry = {
    for name, job in local.schedules : name => {
      count         = try(job.retry.count, 1)
      max_doublings = try(job.retry.maxDoublings, 3)
      min_backoff_s = sum([for part in regexall("([0-9.]+)(ms|s|m|h|d|w)", try(job.retry.minBackoff, "10s")) : tonumber(part[0]) * local.duration_seconds[part[1]]])
      max_backoff_s = sum([for part in regexall("([0-9.]+)(ms|s|m|h|d|w)", try(job.retry.maxBackoff, "300s")) : tonumber(part[0]) * local.duration_seconds[part[1]]])
    }
  }
}

resource "google_cloud_scheduler_job" "job" {
  for_each = local.scheduled_jobs

  project     = var.project_id
  region      = var.region
  name        = "opsfn-${each.key}"
  description = try(each.value.description, "")
  schedule    = each.value.schedule
  time_zone   = local.schedule_time_zone[each.key]
  paused      = try(each.value.paused, false)

  retry_config {
    retry_count          = local.schedule_retry[each.key].count
    min_backoff_duration = "${ceil(local.schedule_retry[each.key].min_backoff_s)}s"
    max_backoff_duration = "${ceil(local.schedule_retry[each.key].max_backoff_s)}s"
    max_doublings        = local.schedule_retry[each.key].max_doublings
  }

  pubsub_target {
    topic_name = try(google_pubsub_topic.inbox[local.schedule_topic[each.key]].id, null)
    data       = base64encode(jsonencode(try(each.value.payload, {})))
    attributes = { "opsfn-job" = each.value.name }
  }

  lifecycle {
    precondition {
      condition     = each.value.name == each.key
      error_message = "schedules/${each.key}.yaml: name must equal the file name."
    }
    precondition {
      condition     = contains(keys(local.function_catalogue), each.value.function)
      error_message = "schedules/${each.key}.yaml: function ${each.value.function} is not an opsfn function."
    }
    precondition {
      condition     = contains(try(local.functions[each.value.function].topics, []), local.schedule_topic[each.key])
      error_message = "schedules/${each.key}.yaml: function ${each.value.function} is not started by Scheduler."
    }
  }

  depends_on = [google_project_service.apis]
}
