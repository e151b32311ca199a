/**
 * Adding documents: drop files on the zone or pick them (each is streamed to the server as its
 * own multipart upload), or give a URL the server fetches through its outbound guard. An
 * upload the server refuses (too large, a format it cannot read) says so under the zone.
 */
import { useRef, useState, type DragEvent, type FormEvent } from 'react';
import { toShownError, type ShownError } from '../api/api-error';
import type { KnowledgeDocument } from '../api/types';
import { useServices } from '../app/services';
import { ErrorNotice } from '../ui/error-notice';
import { useAsyncAction } from '../ui/use-async-action';
import { formatBytes } from './format';

export const ACCEPTED_FILES = '.txt,.md,.markdown,.html,.htm,.pdf,.docx,.csv,.json,text/plain,text/markdown,text/html,text/csv,application/pdf,application/json,application/vnd.openxmlformats-officedocument.wordprocessingml.document';

interface Upload {
  key: number;
  name: string;
  size: number;
  error?: ShownError | undefined;
}

let uploadCounter = 0;

export function DocumentUpload({ baseId, onAdded }: { baseId: string; onAdded(document: KnowledgeDocument): void }) {
  const { api } = useServices();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const [url, setUrl] = useState('');
  const byUrl = useAsyncAction();

  const upload = async (file: File) => {
    const key = ++uploadCounter;
    setUploads((current) => [...current, { key, name: file.name, size: file.size }]);
    try {
      onAdded(await api.knowledge.upload(baseId, file));
      setUploads((current) => current.filter((u) => u.key !== key));
    } catch (error) {
      setUploads((current) => current.map((u) => (u.key === key ? { ...u, error: toShownError(error) } : u)));
    }
  };
  const uploadAll = (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) void upload(file);
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    uploadAll(event.dataTransfer.files);
  };
  const onDragOver = (event: DragEvent<HTMLDivElement>) => {
    if (!Array.from(event.dataTransfer.types).includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };

  const addUrl = async (event: FormEvent) => {
    event.preventDefault();
    const address = url.trim();
    if (!address) return;
    const document = await byUrl.run(() => api.knowledge.addUrl(baseId, { url: address }));
    if (!document) return;
    setUrl('');
    onAdded(document);
  };

  return (
    <section className="settings-section" aria-labelledby="add-documents-title">
      <h3 id="add-documents-title">Add documents</h3>
      <div
        className={`drop-zone${dragging ? ' drop-zone-active' : ''}`}
        onDragOver={onDragOver}
        onDragEnter={onDragOver}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="drop-zone"
      >
        <p>Drop files here, or</p>
        <button type="button" className="button-secondary" onClick={() => picker.current?.click()}>Choose files…</button>
        <input ref={picker} type="file" multiple accept={ACCEPTED_FILES} className="visually-hidden" tabIndex={-1} aria-label="Files to add"
          onChange={(e) => {
            uploadAll(e.target.files);
            e.target.value = '';
          }}
          data-testid="document-file" />
        <p className="muted drop-zone-note">txt, md, html, pdf, docx, csv, json</p>
      </div>
      {uploads.length > 0 && (
        <ul className="upload-list" aria-label="Uploads">
          {uploads.map((u) => (
            <li key={u.key} data-testid="upload" data-state={u.error ? 'failed' : 'sending'}>
              {u.error ? (
                <ErrorNotice error={u.error} title={`${u.name} was not added.`} onDismiss={() => setUploads((current) => current.filter((x) => x.key !== u.key))} />
              ) : (
                <span role="status">Sending {u.name} ({formatBytes(u.size)})…</span>
              )}
            </li>
          ))}
        </ul>
      )}
      <form className="form-row url-form" onSubmit={(event) => void addUrl(event)} aria-label="Add a document by URL">
        <label className="field field-grow">
          <span>Or a web page or file by URL</span>
          <input type="url" required maxLength={2048} placeholder="https://example.com/guide.html" value={url} onChange={(e) => setUrl(e.target.value)} data-testid="document-url" />
        </label>
        <button type="submit" className="button-secondary" disabled={byUrl.busy || !url.trim()} data-testid="document-url-add">{byUrl.busy ? 'Adding…' : 'Add'}</button>
      </form>
      {byUrl.error && <ErrorNotice error={byUrl.error} title="The URL was not added." onDismiss={() => byUrl.setError(undefined)} />}
    </section>
  );
}
