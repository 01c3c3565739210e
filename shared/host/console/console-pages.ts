import { NotFoundError } from '../../core/errors/index.js';
import type { Runtime } from '../runtime/index.js';
import type { ConsoleReply } from './console-actions.js';
import type { SafeHtml } from './html.js';
import { layout, type PageContext, type ScheduledJob } from './page.js';
import { actionsPage } from './pages/actions.js';
import { backupsPage } from './pages/backups.js';
import { certificatesPage } from './pages/certificates.js';
import { drillPage, drillProgressFragment, drillsPage } from './pages/drills.js';
import { healthPage } from './pages/health.js';
import { overviewPage } from './pages/overview.js';
import { runPage, runResultPage } from './pages/run.js';
import { signInPage } from './pages/sign-in.js';
import type { Session } from './session.js';

/** What a GET is rendered with. */
export interface PageRequest {
  runtime: Runtime;
  open: boolean;
  session: Session | undefined;
  jobs: () => readonly ScheduledJob[];
}

type Page = { title: string; render: (ctx: PageContext, match: RegExpExecArray) => Promise<SafeHtml>; fragment?: true };

const PAGES: [RegExp, Page][] = [
  [/^\/(?:console\/?)?$/, { title: 'Overview', render: overviewPage }],
  [/^\/console\/backups$/, { title: 'Backups', render: backupsPage }],
  [/^\/console\/certificates$/, { title: 'Certificates', render: certificatesPage }],
  [/^\/console\/health$/, { title: 'Health', render: healthPage }],
  [/^\/console\/actions$/, { title: 'Actions', render: actionsPage }],
  [/^\/console\/drills$/, { title: 'Drills', render: drillsPage }],
  [/^\/console\/drills\/([0-9a-f]{8})$/, { title: 'Drill', render: (ctx, m) => drillPage(ctx, m[1] as string) }],
  [
    /^\/console\/drills\/([0-9a-f]{8})\/progress$/,
    { title: 'Drill', render: (ctx, m) => drillProgressFragment(ctx, m[1] as string), fragment: true },
  ],
  [/^\/console\/run$/, { title: 'Run now', render: runPage }],
  [
    /^\/console\/runs\/([A-Za-z][A-Za-z0-9]*)\/([0-9a-f-]{36})$/,
    { title: 'Run', render: (ctx, m) => runResultPage(ctx, m[1] as string, m[2] as string) },
  ],
];

/** Renders the page a GET asks for: the sign-in page for anyone, the others for a session only. */
export async function renderPage(
  request: PageRequest,
  url: URL,
  headers: Record<string, string | undefined>,
): Promise<ConsoleReply> {
  if (url.pathname === '/console/sign-in') return signInPage(request.runtime, request.open, headers);
  const found = PAGES.map(([pattern, page]) => [pattern.exec(url.pathname), page] as const).find(([m]) => m);
  if (!found) throw new NotFoundError(`no console page ${url.pathname}`);
  const { session } = request;
  if (!session) return { status: 303, type: 'html', body: '', headers: { location: '/console/sign-in' } };
  const [match, page] = found as [RegExpExecArray, Page];
  const ctx: PageContext = {
    runtime: request.runtime,
    caller: session.caller,
    csrf: session.csrf,
    now: request.runtime.now(),
    path: url.pathname,
    query: url.searchParams,
    jobs: request.jobs,
  };
  const body = await page.render(ctx, match);
  return { status: 200, type: 'html', body: page.fragment ? body.text : layout(ctx, page.title, body) };
}
