/**
 * Which domain is on show. The picker lists id and name, short enough to read whole in a narrow
 * top bar; the memory and the gfn space follow it where the bar has room, and the picker's
 * tooltip says all of it.
 */
import { useFs } from '../store/react';
import { domainOptionText, gfnSpaceText, memoryText } from './domain-text';

export function DomainPicker() {
  const domains = useFs((s) => s.domains);
  const domainId = useFs((s) => s.domainId);
  const selectDomain = useFs((s) => s.selectDomain);
  const refreshDomains = useFs((s) => s.refreshDomains);
  const hostStatus = useFs((s) => s.hostStatus);
  const domain = domains.find((d) => d.id === domainId);
  const gfnSpace = domain ? gfnSpaceText(domain) : null;

  return (
    <div className="domain-picker">
      <label className="visually-hidden" htmlFor="domain-select">
        Domain
      </label>
      <select
        id="domain-select"
        className="select domain-select"
        data-testid="domain-select"
        value={domainId ?? ''}
        disabled={domains.length === 0}
        title={domain ? `Domain ${domainOptionText(domain)}` : 'Domain'}
        onChange={(e) => selectDomain(Number(e.target.value))}
      >
        {domains.length === 0 && <option value="">{hostStatus === 'loading' ? 'Loading…' : 'No domains'}</option>}
        {domains.map((d) => (
          <option key={d.id} value={d.id} title={domainOptionText(d)}>
            {`${d.id} · ${d.name}`}
          </option>
        ))}
      </select>
      <button type="button" className="btn btn-icon" title="Refresh the domain list" aria-label="Refresh the domain list" onClick={() => void refreshDomains()}>
        ⟳
      </button>
      {domain && (
        <span className="domain-facts" data-testid="domain-facts" title={[memoryText(domain), gfnSpace].filter(Boolean).join(' · ')}>
          <span title="memory">{memoryText(domain)}</span>
          {gfnSpace && <span>{gfnSpace}</span>}
        </span>
      )}
    </div>
  );
}
