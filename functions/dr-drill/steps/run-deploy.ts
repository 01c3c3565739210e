import { entryOf } from '../../../shared/core/config/index.js';
import type * as z from '../../../shared/core/schema/index.js';
import type { CloudRunDrill } from '../adapters/cloud-run.js';
import type { RunDeployStepSchema } from '../config.js';
import type { StepRecord } from '../model.js';
import { drillLabels, expiryFrom, resourceName } from '../naming.js';
import type { NamedStep } from '../plan.js';
import { awaitCreated, type Sighting, startCreate } from './create-adopt.js';
import type { StepEnv, StepResult } from './types.js';

type DeployStep = z.infer<typeof RunDeployStepSchema> & NamedStep;

/**
 * How a Cloud Run service a drill creates stands: `reconciling` while its create rolls out, then its terminal
 * condition; a service of that name the drill's labels do not mark is not its own.
 */
export async function runSighting(
  run: CloudRunDrill,
  project: string,
  region: string,
  name: string,
  drill: string,
): Promise<Sighting> {
  const service = await run.getService(project, region, name);
  if (!service) return 'absent';
  if (service.labels['opsfn-drill'] !== drill) return { foreign: `${name} exists and is not drill ${drill}'s` };
  if (service.reconciling) return 'creating';
  if (service.condition?.state === 'CONDITION_FAILED')
    return { failed: `${name} failed to deploy: ${service.condition.message ?? 'no message'}` };
  return 'ready';
}

/** `run.deploy`: `opsfn-drill-<id>-<name>` in the DR region from the image production serves now. */
export async function runRunDeploy(env: StepEnv, step: DeployStep, record: StepRecord): Promise<StepResult> {
  const service = entryOf(env.ctx.config.services, step.service);
  if (service?.platform !== 'cloud-run')
    return { status: 'fail', detail: `service "${step.service}" is not on Cloud Run` };
  const target = resourceName('cloud-run', env.drill.id, step.name);
  const run = await env.ports.cloudRun(env.ctx.config.endpoints.run, Math.min(step.timeout, 60_000), env.ctx.signal);
  const create = { target, key: 'operation' };
  if (record.data?.operation === undefined && record.data?.adoptFrom === undefined) {
    const image = await run.currentImage(service.project, service.region, service.name);
    const labels = drillLabels(env.drill.id, expiryFrom(env.ctx.now(), env.drill.definition.ttl));
    // The copy runs as the DR account the deployment names: creating it acts as that account, which Terraform
    // lets drDrill do for dr_runtime_service_account only.
    const serviceAccount = step.serviceAccount ?? (process.env.OPSFN_DR_SERVICE_ACCOUNT?.trim() || undefined);
    const notMade = await startCreate(env, record, {
      ...create,
      action: 'drill.create-cloud-run',
      resource: { kind: 'cloud-run', name: target, project: service.project, region: step.region },
      call: () => run.createService(service.project, step.region, target, image, step.env, labels, serviceAccount),
      evidence: {
        drill: env.drill.id,
        from: `${service.project}/${service.region}/${service.name}`,
        image,
        region: step.region,
        ...(serviceAccount ? { serviceAccount } : {}),
      },
      data: { image },
    });
    if (notMade) return { status: 'fail', detail: `deploying ${target} was ${notMade}` };
  }
  const polled = await awaitCreated(env, record, create, {
    operation: (name) => run.operation(name),
    look: () => runSighting(run, service.project, step.region, target, env.drill.id),
    intervalMs: step.pollInterval,
    timeoutMs: step.timeout,
  });
  if (polled.state === 'pending') return { status: 'pending', detail: `deploying ${target} in ${step.region}` };
  if (polled.state === 'failed') return { status: 'fail', detail: `deploying ${target} failed: ${polled.error}` };
  const deployed = await run.getService(service.project, step.region, target);
  if (!deployed?.uri) return { status: 'fail', detail: `${target} was deployed but has no URL` };
  return {
    status: 'ok',
    detail: `${target} serves ${String(record.data?.image)} at ${deployed.uri} in ${step.region}`,
    data: { url: deployed.uri },
  };
}
