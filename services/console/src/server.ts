// Wires the console together: the OIDC client, the sessions shared by every replica (a NATS KV bucket), identity's, transit's and the wallet's gRPC clients, the
// live feeds from NATS, the pages, and the HTTP listener.
// main.ts calls it with the parsed config; tests call it too.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { html } from 'hono/html';
import { isDomainError } from '@citypass/platform/errors';
import { promiseClient } from '@citypass/platform/grpc';
import type { Logger } from '@citypass/platform/log';
import { connectBus } from '@citypass/platform/bus';
import { IdentityServiceService } from '@citypass/proto/identity/v1/identity';
import { TransitServiceService } from '@citypass/proto/transit/v1/transit';
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { addAuthRoutes, sessionMiddleware } from './auth_routes.ts';
import type { ConsoleConfig } from './config.ts';
import type { ConsoleDeps, ConsoleEnv } from './deps.ts';
import { LiveViews } from './live/live_views.ts';
import { followLiveFeeds } from './live/nats_feed.ts';
import { OidcClient } from './oidc_client.ts';
import { addAuditPage } from './pages/audit.ts';
import { addCityNowPage } from './pages/city_now.ts';
import { addLiveTapsPage } from './pages/live_taps.ts';
import { addWalletPages } from './pages/wallet.ts';
import { addHomePage } from './pages/home.ts';
import { layout } from './pages/layout.ts';
import { addOnboardPages } from './pages/onboard.ts';
import { addResidentPages } from './pages/residents.ts';
import { addTransitPages } from './pages/transit.ts';
import { addServicesPage } from './pages/services.ts';
import { addServiceClientPages } from './pages/service_clients.ts';
import { addSigningKeyPages } from './pages/signing_keys.ts';
import { csrfCheck, securityHeaders } from './security.ts';
import { parseKeyRing } from '@citypass/platform/key_ring';
import { SessionStore } from './session_store.ts';

export interface RunningConsole {
  readonly port: number;
  stop(): Promise<void>;
}

const formBodyLimitBytes = 16 * 1024;

/** htmx and its sse extension from their npm packages (versions pinned in package.json), from the console's origin. */
function staticFiles(): Map<string, { body: string; type: string }> {
  const require = createRequire(import.meta.url);
  const htmx = readFileSync(join(require.resolve('htmx.org/package.json'), '..', 'dist', 'htmx.min.js'), 'utf8');
  const sse = readFileSync(join(require.resolve('htmx-ext-sse/package.json'), '..', 'dist', 'sse.min.js'), 'utf8');
  const css = readFileSync(join(import.meta.dirname, '..', 'static', 'console.css'), 'utf8');
  return new Map([
    ['/static/htmx.min.js', { body: htmx, type: 'text/javascript; charset=utf-8' }],
    ['/static/sse.min.js', { body: sse, type: 'text/javascript; charset=utf-8' }],
    ['/static/console.css', { body: css, type: 'text/css; charset=utf-8' }],
  ]);
}

export function createConsoleApp(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  const files = staticFiles();
  app.use(securityHeaders(new URL(deps.config.CONSOLE_IDENTITY_ISSUER).origin));
  app.use(bodyLimit({ maxSize: formBodyLimitBytes, onError: (c) => c.text('The form is too large.', 413) }));
  app.get('/healthz', (c) => c.text('ok'));
  app.get('/static/*', (c) => {
    const file = files.get(c.req.path);
    if (file === undefined) return c.notFound();
    c.header('cache-control', 'public, max-age=3600');
    return c.body(file.body, 200, { 'content-type': file.type });
  });
  app.use(sessionMiddleware(deps));
  app.use(csrfCheck);
  addAuthRoutes(app, deps);
  addHomePage(app, deps);
  addOnboardPages(app, deps);
  addResidentPages(app, deps);
  addServicesPage(app, deps);
  addServiceClientPages(app, deps);
  addSigningKeyPages(app, deps);
  addAuditPage(app, deps);
  addTransitPages(app, deps);
  addWalletPages(app, deps);
  addCityNowPage(app, deps);
  addLiveTapsPage(app, deps);
  app.notFound((c) => c.html(layout('Not found', c.get('session'), html`<p><a href="/">Home</a></p>`), 404));
  app.onError(async (error, c) => {
    const session = c.get('session') as ConsoleEnv['Variables']['session'] | undefined;
    if (isDomainError(error) && error.kind === 'unauthenticated') {
      // The operator's grant or the session is gone (expired, revoked, signed out on another replica): the session
      // ends everywhere and they sign in again.
      if (session !== undefined) await deps.sessions.delete(session.id);
      return c.redirect('/signin', 303);
    }
    if (isDomainError(error) && (error.kind === 'permission_denied' || error.kind === 'unavailable')) {
      const status = error.kind === 'permission_denied' ? 403 : 503;
      const title = status === 403 ? 'Not allowed for your roles or scope' : 'A service is not answering';
      return c.html(
        layout(title, session, html`<p role="alert">${error.message} <code>${error.reason}</code></p>`),
        status,
      );
    }
    // Only the error's kind and name: a message could carry a response body, and so a token.
    deps.logger.error('console request failed', {
      path: c.req.path,
      error: isDomainError(error) ? `${error.kind}:${error.reason}` : error.name,
    });
    return c.html(
      layout('Something went wrong', session, html`<p role="alert">The request failed. Try again.</p>`),
      500,
    );
  });
  return app;
}

export async function startConsole(config: ConsoleConfig, logger: Logger): Promise<RunningConsole> {
  const identity = promiseClient(IdentityServiceService, config.CONSOLE_IDENTITY_GRPC);
  const transit = promiseClient(TransitServiceService, config.CONSOLE_TRANSIT_GRPC);
  const wallet = promiseClient(WalletServiceService, config.CONSOLE_WALLET_GRPC);
  const live = new LiveViews();
  const bus = await connectBus({ servers: config.NATS_URL, name: 'console', logger });
  const feeds = followLiveFeeds(bus, live, logger);
  const sessions = await SessionStore.open(bus.js, {
    bucket: config.CONSOLE_SESSION_BUCKET,
    replicas: config.CONSOLE_SESSION_BUCKET_REPLICAS,
    ring: parseKeyRing(config.CONSOLE_SESSION_KEYS),
    idleMs: config.CONSOLE_SESSION_IDLE_S * 1000,
    lifetimeMs: config.CONSOLE_SESSION_LIFETIME_S * 1000,
    logger,
  });
  const deps: ConsoleDeps = {
    config,
    logger,
    sessions,
    identity,
    transit,
    wallet,
    live,
    now: Date.now,
    oidc: new OidcClient({
      issuer: config.CONSOLE_IDENTITY_ISSUER,
      clientId: config.CONSOLE_CLIENT_ID,
      clientSecret: config.CONSOLE_CLIENT_SECRET,
      redirectUri: new URL('/callback', config.CONSOLE_PUBLIC_URL).toString(),
    }),
  };
  const app = createConsoleApp(deps);
  const closeClients = async (): Promise<void> => {
    feeds.stop();
    await bus.close();
    identity.close();
    transit.close();
    wallet.close();
  };
  // A port already taken (EADDRINUSE) fails the start, which would otherwise wait for a listening event that never
  // comes.
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve(
      { fetch: app.fetch, port: config.CONSOLE_HTTP_PORT, hostname: config.CONSOLE_HTTP_HOST },
      () => {
        started.off('error', reject);
        resolve(started);
      },
    );
    started.once('error', reject);
  }).catch(async (error: unknown) => {
    await closeClients();
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  logger.info('console started', { url: config.CONSOLE_PUBLIC_URL, port });
  return {
    port,
    async stop() {
      if ('closeAllConnections' in server) server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await closeClients();
    },
  };
}
