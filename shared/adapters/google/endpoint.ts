import type { Endpoint } from '../../core/config/index.js';
import { type GoogleAccess, type GoogleAuthClient, type GoogleScope, GoogleScopes } from './auth.js';

/**
 * How an adapter signs its requests to a Google API: an auth client of its own, `'none'` for an emulator or
 * a local fake (nothing is sent), or absent for the process's application default credentials.
 */
export type GoogleAuthOption = GoogleAuthClient | 'none' | undefined;

/** Whether requests to `endpoint` carry Google credentials: all do but those to an endpoint marked `credentials: none`. */
export function signsRequests(endpoint: Endpoint | undefined): boolean {
  return endpoint?.credentials !== 'none';
}

/** The auth option an estate endpoint asks for: `'none'` for `credentials: none`, else `given` (default credentials when absent). */
export function endpointAuth(endpoint: Endpoint | undefined, given?: GoogleAuthClient): GoogleAuthOption {
  return signsRequests(endpoint) ? given : 'none';
}

/** The client an auth option signs with, undefined for `'none'`; the default comes from `access` for `scope`. */
export async function authClientFor(
  option: GoogleAuthOption,
  access: GoogleAccess,
  scope: GoogleScope,
): Promise<GoogleAuthClient | undefined> {
  if (option === 'none') return undefined;
  return option ?? access.client(scope);
}

/** The `auth` of a kit client for `endpoint`: `access`'s client for `scope`, or none for `credentials: none`. */
export function endpointSigner(
  endpoint: Endpoint | undefined,
  access: GoogleAccess,
  scope: GoogleScope = GoogleScopes.cloudPlatform,
): () => Promise<GoogleAuthClient | undefined> {
  return () => authClientFor(endpointAuth(endpoint), access, scope);
}

/** The API root of `endpoint` as the googleapis clients take it (`scheme://host:port/`: they drop any path). */
export function clientRootUrl(url: string | undefined): string | undefined {
  return url === undefined ? undefined : `${new URL(url).origin}/`;
}

/** The API root of a REST call without its trailing slashes: `endpoint`'s URL, else Google's `fallback`. */
export function restRoot(url: string | undefined, fallback: string): string {
  return (url ?? fallback).replace(/\/+$/, '');
}
