/**
 * Pick two of the session's scans and snapshots, A (earlier) and B, and compare them. By
 * default B is the latest live scan of the domain on show and A the latest snapshot (or the
 * scan before B), the common question being "what changed since this snapshot".
 */
import { useEffect, useMemo, useState } from 'react';

import type { ScanRecordInfo } from '../../app/api';
import { useFramescopeStore, useFs } from '../store/react';
import { openSnapshot } from './commands';
import { Modal } from './Modal';
import { recordLabel } from './record-text';

function defaults(records: ScanRecordInfo[], domainId: number | null): { a: string; b: string } {
  const live = records.filter((r) => r.kind !== 'snapshot');
  const b = [...live].reverse().find((r) => r.domain === domainId) ?? live.at(-1) ?? records.at(-1);
  const rest = records.filter((r) => r !== b);
  const a = [...rest].reverse().find((r) => r.kind === 'snapshot') ?? [...rest].reverse().find((r) => r.domain === b?.domain) ?? rest.at(-1);
  return { a: a?.scanId ?? '', b: b?.scanId ?? '' };
}

export function DiffDialog() {
  const store = useFramescopeStore();
  const open = useFs((s) => s.dialog === 'diff');
  const records = useFs((s) => s.records);
  const domainId = useFs((s) => s.domainId);
  const loadRecords = useFs((s) => s.loadRecords);
  const diff = useFs((s) => s.diff);
  const openDialog = useFs((s) => s.openDialog);
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    if (!open) {
      setLoaded(false);
      return;
    }
    void loadRecords().then(() => setLoaded(true));
  }, [open, loadRecords]);

  const initial = useMemo(() => defaults(records, domainId), [records, domainId]);
  useEffect(() => {
    if (!loaded) return;
    setA((cur) => (records.some((r) => r.scanId === cur) ? cur : initial.a));
    setB((cur) => (records.some((r) => r.scanId === cur) ? cur : initial.b));
  }, [loaded, records, initial]);

  if (!open) return null;
  const close = () => openDialog(null);
  const ready = a !== '' && b !== '' && a !== b;
  const options = [...records].reverse().map((r) => (
    <option key={r.scanId} value={r.scanId}>
      {recordLabel(r)}
    </option>
  ));

  return (
    <Modal title="Diff two scans or snapshots" onClose={close} testId="diff-dialog">
      {!loaded ? (
        <p className="dim">Loading the session's scans…</p>
      ) : records.length < 2 ? (
        <p data-testid="diff-not-enough">
          A diff needs two scans or snapshots of this session: scan again (the rescan is compared with the scan before), or open a snapshot.
        </p>
      ) : (
        <form className="diff-form" onSubmit={(e) => {
          e.preventDefault();
          if (!ready) return;
          close();
          void diff(a, b);
        }}>
          <label className="field-label" htmlFor="diff-a">A (before)</label>
          <select id="diff-a" className="select" data-testid="diff-a" value={a} onChange={(e) => setA(e.target.value)}>{options}</select>
          <label className="field-label" htmlFor="diff-b">B (after)</label>
          <select id="diff-b" className="select" data-testid="diff-b" value={b} onChange={(e) => setB(e.target.value)}>{options}</select>
          <p className="dim diff-hint">The grid shows B, with the frames whose code differs from A in white. Only gfns both cover are compared.</p>
          <div className="modal-actions">
            <button type="button" className="btn" onClick={() => void openSnapshot(store)}>Open a snapshot…</button>
            <span className="toolbar-spacer" />
            <button type="button" className="btn" onClick={close}>Cancel</button>
            <button type="submit" className="btn btn-primary" data-testid="diff-run" disabled={!ready}>Compare</button>
          </div>
        </form>
      )}
      {loaded && records.length < 2 && (
        <div className="modal-actions">
          <button type="button" className="btn" onClick={() => void openSnapshot(store)}>Open a snapshot…</button>
          <span className="toolbar-spacer" />
          <button type="button" className="btn" onClick={close}>Close</button>
        </div>
      )}
    </Modal>
  );
}
