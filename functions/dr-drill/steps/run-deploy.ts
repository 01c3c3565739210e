import { entryOf } from '../../../shared/core/config/index.js';
import type * as z from '../../../shared/core/schema/index.js';
import type { RunDeployStepSchema } from '../config.js';
import type { StepRecord } from '../model.js';
import { drillLabels, expiryFrom, resourceName } from '../naming.js';
import type { NamedStep } from '../plan.js';
import { pollStored, remember } from './pending.js';
import type { StepEnv, StepResult } from './types.js';

type DeployStep = z.infer<typeof RunDeployStepSchema> & NamedStep;

/** `run.deploy`: `opsfn-drill-<id>-<name>` in the DR region from the image production serves now. */
export async function runRunDeploy(env: StepEnv, step: DeployStep, record: StepRecord): Promise<StepResult> {
  const service = entryOf(env.ctx.config.services, step.service);
  if (service?.platform !== 'cloud-run')
    return { status: 'fail', detail: `service "${step.service}" is not on Cloud Run` };
  const target = resourceName('cloud-run', env.drill.id, step.name);
  const run = await env.ports.cloudRun(env.ctx.config.endpoints.run, Math.min(step.timeout, 60_000), env.ctx.signal);
  if (record.data?.operation === undefined) {
    const image = await run.currentImage(service.project, service.region, service.name);
    await env.track({ kind: 'cloud-run', name: target, project: service.project, region: step.region });
    const labels = drillLabels(env.drill.id, expiryFrom(env.ctx.now(), env.drill.definition.ttl));
    // The copy runs as the DR account the deployment names: creating it acts as that account, which Terraform
    // lets drDrill do for dr_runtime_service_account only.
    const serviceAccount = step.serviceAccount ?? (process.env.OPSFN_DR_SERVICE_ACCOUNT?.trim() || undefined);
    const made = await env.ctx.act(
      'drill.create-cloud-run',
      target,
      () => run.createService(service.project, step.region, target, image, step.env, labels, serviceAccount),
      {
        evidence: {
          drill: env.drill.id,
          from: `${service.project}/${service.region}/${service.name}`,
          image,
          region: step.region,
          ...(serviceAccount ? { serviceAccount } : {}),
        },
      },
    );
    if (made.status !== 'done')
      return {
        status: 'fail',
        detail: `deploying ${target} was ${made.status}${'reason' in made ? `: ${made.reason}` : ''}`,
      };
    await env.created(target);
    await remember(env, record, { operation: made.value.name, image, done: made.value.done });
  }
  const polled =
    record.data?.done === true
      ? { state: 'done' as const }
      : await pollStored(env, record, 'operation', step.pollInterval, (name) => run.operation(name));
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
