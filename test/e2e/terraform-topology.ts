import { join } from 'node:path';
import { loadTerraform, type TerraformModule } from '../terraform/load-terraform.js';

/** One push subscription as `terraform/modules/function/delivery.tf` declares it for one function and topic. */
export interface PushSubscription {
  entryPoint: string;
  /** The topic key: `alerts`, `schedules-cert-expiry`. */
  topic: string;
  /** `projects/P/topics/T`. */
  fullTopic: string;
  name: string;
  /** The path the push endpoint appends to the function's URL: the full topic name. */
  endpointPath: string;
  deadLetterTopic: string;
  maxDeliveryAttempts: number;
}

/** The Pub/Sub wiring the Terraform declares, rendered for one project. */
export interface Topology {
  topics: string[];
  deadLetterTopics: string[];
  deadLetterSubscriptions: string[];
  /** Topic key (`alerts`, `schedules-cert-expiry`) of every entry point. */
  topicsOf: Record<string, string[]>;
  subscriptions: PushSubscription[];
  /** The push subscription of a function that takes dead letters on its continuation's dead-letter topic. */
  deadLetterPushes: PushSubscription[];
  /** Short topic name of a topic key: `alerts` → `opsfn-alerts`. */
  topicName: (key: string) => string;
  /** Short name of the pull subscription on a topic key's dead-letter topic. */
  deadLetterSubscription: (key: string) => string;
}

type Body = Record<string, unknown>;

function resource(m: TerraformModule | undefined, type: string, label: string): Body {
  const body = m?.resources[type]?.[label];
  if (!body) throw new Error(`terraform declares no ${type}.${label}`);
  return body;
}

function first(value: unknown): Body {
  return ((Array.isArray(value) ? value[0] : value) ?? {}) as Body;
}

/** Substitutes the given `${...}` expressions; any other interpolation means the Terraform changed shape. */
export function render(template: unknown, values: Record<string, string>): string {
  return String(template).replace(/\$\{([^}]+)\}/g, (whole, expr: string) => {
    const value = values[expr.trim()];
    if (value === undefined) throw new Error(`cannot render ${whole} in "${String(template)}"`);
    return value;
  });
}

/** Reads topics, dead-letter topics and push subscriptions from `terraform/` (via hcl2json). */
export async function readTopology(root: string, project: string): Promise<Topology> {
  const modules = await loadTerraform(join(root, 'terraform'));
  const main = modules.find((m) => m.dir === join(root, 'terraform'));
  const fn = modules.find((m) => m.dir === join(root, 'terraform', 'modules', 'function'));
  const catalogue = (main?.locals.function_catalogue ?? {}) as Record<
    string,
    { folder: string; topics: string[]; continuation?: string | null; dead_letters?: boolean }
  >;
  if (Object.keys(catalogue).length === 0) throw new Error('terraform/main.tf declares no local.function_catalogue');
  const keys = [...new Set(['alerts', ...Object.values(catalogue).flatMap((c) => c.topics)])].sort();
  const topicName = (key: string) => render(resource(main, 'google_pubsub_topic', 'inbox').name, { 'each.key': key });
  const dlqName = (key: string) =>
    render(resource(main, 'google_pubsub_topic', 'dead_letter').name, { 'each.key': key });
  const dlqSubName = (key: string) =>
    render(resource(main, 'google_pubsub_subscription', 'dead_letter').name, { 'each.key': key });
  const attempts = Number(first(main?.variables.max_delivery_attempts).default ?? 5);
  const push = resource(fn, 'google_pubsub_subscription', 'push');
  const endpoint = String(first(push.push_config).push_endpoint);
  const functionName = String(fn?.locals.function_name);
  const pushOf = (entryPoint: string, folder: string, key: string, topic: string, deadLetterTopic: string) => {
    const full = `projects/${project}/topics/${topic}`;
    return {
      entryPoint,
      topic: key,
      fullTopic: full,
      name: render(push.name, { 'local.function_name': render(functionName, { 'var.name': folder }), 'each.key': key }),
      endpointPath: `/${render(endpoint, { 'google_cloudfunctions2_function.function.url': '', 'each.value.topic': full }).replace(/^\/+/, '')}`,
      deadLetterTopic,
      maxDeliveryAttempts: deadLetterTopic ? attempts : 0,
    };
  };
  const subscriptions = Object.entries(catalogue).flatMap(([entryPoint, spec]) =>
    spec.topics.map((key) =>
      pushOf(entryPoint, spec.folder, key, topicName(key), `projects/${project}/topics/${dlqName(key)}`),
    ),
  );
  // functions.tf: `<continuation>-dlq`, on the continuation's dead-letter topic, with no dead-letter policy.
  const deadLetterPushes = Object.entries(catalogue).flatMap(([entryPoint, spec]) =>
    spec.dead_letters && spec.continuation
      ? [pushOf(entryPoint, spec.folder, `${spec.continuation}-dlq`, dlqName(spec.continuation), '')]
      : [],
  );
  return {
    topics: keys.map(topicName),
    deadLetterTopics: keys.map(dlqName),
    deadLetterSubscriptions: keys.map(dlqSubName),
    topicsOf: Object.fromEntries(Object.entries(catalogue).map(([e, s]) => [e, s.topics])),
    subscriptions,
    deadLetterPushes,
    topicName,
    deadLetterSubscription: dlqSubName,
  };
}
