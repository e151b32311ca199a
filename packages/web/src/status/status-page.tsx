/** Every dependency the server checks, with status, latency, detail and the fix hint (details for administrators). */
import type { ServiceHealth } from '../api/types';
import { useServices } from '../app/services';
import { useConnection } from '../connection/use-connection';

export function StatusPage({ isAdmin }: { isAdmin: boolean }) {
  const { monitor } = useServices();
  const state = useConnection(monitor);

  return (
    <section className="page" aria-labelledby="status-title">
      <div className="page-header">
        <h2 id="status-title">Status</h2>
        <button type="button" className="button-secondary" onClick={() => monitor.checkNow()} data-testid="status-refresh">Check again</button>
      </div>
      {state.phase === 'checking' && <p role="status">Checking…</p>}
      {state.phase === 'offline' && (
        <p className="error-notice" role="alert">The server cannot be reached at <code>{state.url}</code>: {state.error}</p>
      )}
      {state.phase === 'online' && (
        <>
          <p data-testid="status-overall" data-status={state.report.status}>
            Overall: <StatusBadge status={state.report.status} /> {state.report.healthy_count} of {state.report.total_services} services healthy,
            checked at {new Date(state.checkedAt).toLocaleTimeString()}.
          </p>
          {!isAdmin && <p className="muted">Details and hints are shown to administrators only.</p>}
          <div className="table-scroll">
            <table className="status-table">
              <caption className="visually-hidden">Dependencies of the SutazAI server</caption>
              <thead>
                <tr><th scope="col">Service</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Latency</th>{isAdmin && <><th scope="col">Detail</th><th scope="col">How to fix</th></>}</tr>
              </thead>
              <tbody>
                {state.report.services.map((service) => <ServiceRow key={service.name} service={service} isAdmin={isAdmin} />)}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function ServiceRow({ service, isAdmin }: { service: ServiceHealth; isAdmin: boolean }) {
  return (
    <tr data-testid="service-row" data-service={service.name} data-status={service.status}>
      <th scope="row">{service.name}{service.required ? <span className="muted"> (required)</span> : null}</th>
      <td>{service.kind}</td>
      <td><StatusBadge status={service.status} /></td>
      <td>{Math.round(service.latency_ms)} ms</td>
      {isAdmin && <><td>{service.detail}</td><td>{service.hint ?? '—'}</td></>}
    </tr>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}
