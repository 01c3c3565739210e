/** A change a platform is about to make, described before the guard lets it run. */
export type PlannedChange =
  | { kind: 'route'; revision: string }
  | { kind: 'release' }
  | { kind: 'scale'; replicas: number }
  | { kind: 'restart' };

/** A platform that can say exactly what it would run for a change (compose: the CLI line), for dry-run and audit. */
export interface ChangePreview {
  /** The command the change runs, as a shell line. */
  preview(change: PlannedChange): Promise<string>;
}

/** Whether a platform can describe its changes as commands. */
export function canPreview(platform: object): platform is ChangePreview {
  return typeof (platform as Partial<ChangePreview>).preview === 'function';
}

/** `{ command }` for a platform that runs commands, `{}` for an API platform: spread into a guarded action's `change`. */
export async function previewChange(platform: object, change: PlannedChange): Promise<{ command?: string }> {
  return canPreview(platform) ? { command: await platform.preview(change) } : {};
}
