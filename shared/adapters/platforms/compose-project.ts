import type { ComposeService } from '../../core/config/index.js';
import { BadInputError } from '../../core/errors/index.js';
import { type ComposeCall, detectComposeCommand, runCompose } from './compose-cli.js';
import { type ComposePin, composeFileVersion, readPin, removePin, tagOf, writePin } from './compose-pin.js';

/** What {@link ComposeProject} needs: the service's config, its Docker host and pin file, the command deadline. */
export interface ComposeProjectOptions extends Omit<ComposeService, 'platform' | 'pinFile' | 'dockerHost'> {
  dockerHost: string;
  pinFile: string;
  timeoutMs: number;
}

/**
 * The compose CLI bound to one service of one project: builds each call (`-p`, every `-f`, the pin as an
 * override file or the image variable, `--env-file`), runs it, and keeps the pin file in step with what ran.
 */
export class ComposeProject {
  private cli: Promise<string[]> | undefined;

  constructor(private readonly o: ComposeProjectOptions) {}

  /** Reads the pin in effect, undefined when the service is not pinned. */
  pin(): Promise<ComposePin | undefined> {
    return readPin(this.o.pinFile);
  }

  /** The call running `sub` with `pin` in effect. */
  async call(sub: string[], pin: ComposePin | undefined): Promise<ComposeCall> {
    this.cli ??= this.o.command ? Promise.resolve(this.o.command) : detectComposeCommand();
    const cli = await this.cli.catch((error: unknown) => {
      this.cli = undefined;
      throw error;
    });
    return {
      argv: [
        ...cli,
        '-p',
        this.o.project,
        ...this.o.files.flatMap((f) => ['-f', f]),
        ...(pin && !pin.variable ? ['-f', this.o.pinFile] : []),
        ...(this.o.envFile ? ['--env-file', this.o.envFile] : []),
        ...sub,
      ],
      env: { DOCKER_HOST: this.o.dockerHost, ...(pin?.variable ? { [pin.variable.name]: pin.variable.value } : {}) },
    };
  }

  /** Runs a call under the command deadline. */
  run(call: ComposeCall, signal?: AbortSignal): Promise<{ stdout: string; stderr: string }> {
    return runCompose(call, { timeoutMs: this.o.timeoutMs, ...(signal ? { signal } : {}) });
  }

  /** `up -d --no-deps` for the service alone at `replicas` containers, recreating them or keeping the ones there. */
  up(replicas: number, recreate: boolean): string[] {
    const s = this.o.service;
    return ['up', '-d', '--no-deps', recreate ? '--force-recreate' : '--no-recreate', '--scale', `${s}=${replicas}`, s];
  }

  /** The pin that holds the service on `image`: an override, or the image variable set to the image's tag. */
  pinFor(image: string, at: Date): ComposePin {
    if (!this.o.imageVariable) return { image, at: at.toISOString() };
    const tag = tagOf(image);
    if (!tag)
      throw new BadInputError(
        `${this.o.project}/${this.o.service}: ${image} has no tag to set ${this.o.imageVariable} to`,
      );
    return { image, at: at.toISOString(), variable: { name: this.o.imageVariable, value: tag } };
  }

  /** The image the compose files name for the service with `pin` in effect (none: the files' own). */
  async image(pin?: ComposePin): Promise<string> {
    const { stdout } = await this.run(await this.call(['config'], pin));
    const { parse } = await import('yaml');
    const services = (parse(stdout) as { services?: Record<string, { image?: unknown }> } | null)?.services;
    const image = services?.[this.o.service]?.image;
    if (typeof image !== 'string') {
      throw new BadInputError(`${this.o.project}/${this.o.service}: the compose files set no image for the service`);
    }
    return image;
  }

  /**
   * Runs `sub` with `next` as the pin (undefined: released). The pin file changes just before the command and
   * is put back when the command fails, so the recorded pin never claims what did not run.
   */
  async runPinned(next: ComposePin | undefined, sub: string[], signal?: AbortSignal): Promise<void> {
    const previous = await this.pin();
    const call = await this.call(sub, next);
    const write = async (pin: ComposePin | undefined) => {
      if (!pin) return removePin(this.o.pinFile);
      const version = pin.variable ? undefined : await composeFileVersion(this.o.files[0] as string);
      await writePin(this.o.pinFile, this.o.service, pin, version);
    };
    await write(next);
    try {
      await this.run(call, signal);
    } catch (error) {
      await write(previous);
      throw error;
    }
  }
}
