/**
 * Which knowledge bases the conversation's next turns answer from. The list is read when the
 * picker opens (so a base made a moment ago is there); the attached ones show as chips.
 */
import { useState } from 'react';
import { useKnowledgeBases } from '../knowledge/use-knowledge-bases';
import { ErrorNotice } from '../ui/error-notice';

export interface AttachedBase {
  id: string;
  name: string;
}

export function KnowledgePicker({ attached, onChange }: { attached: AttachedBase[]; onChange(next: AttachedBase[]): void }) {
  const [open, setOpen] = useState(false);
  const { bases, error, loading } = useKnowledgeBases(open);
  const isAttached = (id: string) => attached.some((base) => base.id === id);
  const toggle = (base: AttachedBase, on: boolean) => onChange(on ? [...attached.filter((b) => b.id !== base.id), base] : attached.filter((b) => b.id !== base.id));
  const gone = bases ? attached.filter((base) => !bases.some((b) => b.id === base.id)) : [];

  return (
    <div className="knowledge-picker">
      <details open={open} onToggle={(event) => setOpen(event.currentTarget.open)}>
        <summary data-testid="knowledge-picker" aria-label={`Knowledge bases: ${attached.length === 0 ? 'none attached' : `${attached.length} attached`}`}>
          Knowledge{attached.length > 0 ? ` (${attached.length})` : ''}
        </summary>
        <fieldset className="knowledge-picker-menu">
          <legend>Answer the next messages from</legend>
          {error && <ErrorNotice error={error} title="The knowledge bases could not be listed." />}
          {loading && !bases && <p role="status" className="muted">Loading…</p>}
          {bases?.length === 0 && <p className="muted">No knowledge bases yet: create one on the Knowledge page.</p>}
          {bases?.map((base) => (
            <label key={base.id} className="checkbox">
              <input type="checkbox" checked={isAttached(base.id)} onChange={(e) => toggle({ id: base.id, name: base.name }, e.target.checked)} data-testid={`knowledge-option-${base.id}`} />
              <span>{base.name} <span className="muted">({base.document_count} {base.document_count === 1 ? 'document' : 'documents'})</span></span>
            </label>
          ))}
          {gone.map((base) => (
            <label key={base.id} className="checkbox">
              <input type="checkbox" checked onChange={() => toggle(base, false)} />
              <span>{base.name} <span className="muted">(no longer exists)</span></span>
            </label>
          ))}
        </fieldset>
      </details>
      {attached.length > 0 && (
        <ul className="knowledge-chips" aria-label="Attached knowledge bases">
          {attached.map((base) => (
            <li key={base.id} className="knowledge-chip" data-testid="knowledge-attached" data-base-id={base.id}>
              {base.name}
              <button type="button" className="chip-remove" onClick={() => toggle(base, false)} aria-label={`Detach ${base.name}`}>×</button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
