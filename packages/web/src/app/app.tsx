import { SessionProvider, useSession } from '../auth/session';
import { SignInScreen } from '../auth/sign-in-screen';
import { ConnectionBanner } from '../connection/connection-banner';
import { useConnection } from '../connection/use-connection';
import { ErrorNotice } from '../ui/error-notice';
import { MainLayout } from './main-layout';
import { ServicesProvider, useServices, type Services } from './services';

export function App({ services }: { services: Services }) {
  return (
    <ServicesProvider services={services}>
      <SessionProvider>
        <Gate />
      </SessionProvider>
    </ServicesProvider>
  );
}

/** Signed in (or AUTH=disabled): the app. Signed out: sign-in. Unknown: say why, and retry. */
function Gate() {
  const { state, refresh } = useSession();
  const { monitor } = useServices();
  const connection = useConnection(monitor);

  if (state.kind === 'signed-in') return <MainLayout />;
  return (
    <>
      <ConnectionBanner state={connection} onRetry={() => monitor.checkNow()} />
      {state.kind === 'loading' && <main className="auth-screen" role="status"><p>Connecting to SutazAI…</p></main>}
      {state.kind === 'signed-out' && <SignInScreen notice={state.notice} />}
      {state.kind === 'unavailable' && (
        <main className="auth-screen">
          <div className="auth-card">
            <h1 className="auth-title"><span className="logo-dot" aria-hidden="true" /> JARVIS</h1>
            <ErrorNotice error={state.error} title="Could not find out who you are." />
            <button type="button" className="button-primary" onClick={refresh}>Try again</button>
          </div>
        </main>
      )}
    </>
  );
}
