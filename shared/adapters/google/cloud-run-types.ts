/** A Cloud Run Admin v2 condition, as far as opsfn reads it. */
export interface RunCondition {
  type?: string | null;
  state?: string | null;
  message?: string | null;
}

/** A Cloud Run v2 TrafficTarget or TrafficTargetStatus. */
export interface RunTraffic {
  type?: string | null;
  revision?: string | null;
  percent?: number | null;
}

/** Cloud Run v2 scaling bounds, on the service or its revision template. */
export interface RunScaling {
  minInstanceCount?: number | null;
  maxInstanceCount?: number | null;
}

/** The Cloud Run Admin v2 Service fields opsfn reads. */
export interface RunService {
  name?: string | null;
  uri?: string | null;
  labels?: Record<string, string> | null;
  etag?: string | null;
  /** int64 as a string; every write to the service's spec raises it by one. */
  generation?: string | null;
  latestCreatedRevision?: string | null;
  reconciling?: boolean | null;
  latestReadyRevision?: string | null;
  terminalCondition?: RunCondition | null;
  traffic?: RunTraffic[] | null;
  trafficStatuses?: RunTraffic[] | null;
  scaling?: RunScaling | null;
  template?: {
    revision?: string | null;
    scaling?: RunScaling | null;
    containers?: { image?: string | null }[] | null;
  } | null;
}

/** The Cloud Run Admin v2 Revision fields opsfn reads. */
export interface RunRevision {
  name?: string | null;
  createTime?: string | null;
  conditions?: RunCondition[] | null;
  containers?: { image?: string | null }[] | null;
}

/** A `google.longrunning.Operation` of Cloud Run v2; `error` is a `google.rpc.Status`. */
export interface RunOperation {
  name?: string | null;
  done?: boolean | null;
  error?: { code?: number | null; message?: string | null } | null;
}
