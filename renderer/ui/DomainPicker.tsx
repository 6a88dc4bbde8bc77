/** Which domain is on show: id, name, memory and frame count. */
import { useFs } from '../store/react';
import { domainOptionText, gfnSpaceText } from './domain-text';

export function DomainPicker() {
  const domains = useFs((s) => s.domains);
  const domainId = useFs((s) => s.domainId);
  const selectDomain = useFs((s) => s.selectDomain);
  const refreshDomains = useFs((s) => s.refreshDomains);
  const hostStatus = useFs((s) => s.hostStatus);
  const domain = domains.find((d) => d.id === domainId);

  return (
    <div className="domain-picker">
      <label className="field-label" htmlFor="domain-select">
        Domain
      </label>
      <select
        id="domain-select"
        className="select domain-select"
        data-testid="domain-select"
        value={domainId ?? ''}
        disabled={domains.length === 0}
        onChange={(e) => selectDomain(Number(e.target.value))}
      >
        {domains.length === 0 && <option value="">{hostStatus === 'loading' ? 'Loading…' : 'No domains'}</option>}
        {domains.map((d) => (
          <option key={d.id} value={d.id}>
            {domainOptionText(d)}
          </option>
        ))}
      </select>
      <button type="button" className="btn btn-icon" title="Refresh the domain list" aria-label="Refresh the domain list" onClick={() => void refreshDomains()}>
        ⟳
      </button>
      {domain && (
        <span className="domain-facts" data-testid="domain-facts">
          <span title="domain id">dom{domain.id}</span>
          {gfnSpaceText(domain) && <span>{gfnSpaceText(domain)}</span>}
        </span>
      )}
    </div>
  );
}
