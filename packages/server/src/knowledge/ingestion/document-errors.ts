/**
 * Why a file could not become a document. Shaped like AppError (`code`, `status`, `hint`,
 * `retryable`), with codes from the error catalogue, so the HTTP error boundary and the
 * ingestion job can show them as they are; each `message` reads whole on its own (which
 * file, what is wrong) and `hint` says what to do.
 */

export const SUPPORTED_FORMATS_TEXT = 'plain text (.txt), Markdown (.md), HTML, PDF, Word (.docx), CSV and JSON';

abstract class DocumentError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  readonly retryable = false;
  readonly hint: string;
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super(message, options);
    this.hint = hint;
  }
}

/** The file is of a kind SutazAI does not read (415). */
export class UnsupportedDocumentError extends DocumentError {
  readonly code = 'DOCUMENT_UNSUPPORTED';
  readonly status = 415;
  constructor(message: string, hint = `Upload one of: ${SUPPORTED_FORMATS_TEXT}.`, options?: { cause?: unknown }) {
    super(message, hint, options);
    this.name = 'UnsupportedDocumentError';
  }
}

export type DocumentParseFailure =
  /** The bytes are not a valid file of the format (truncated, damaged, mislabelled). */
  | 'corrupt'
  /** The file needs a password. */
  | 'encrypted'
  /** The file is valid but holds no text (a scanned PDF, an empty file). */
  | 'no-text';

/** The file is of a supported kind but could not be read (422). */
export class DocumentParseError extends DocumentError {
  /** `DOCUMENT_EMPTY` when the file holds no text, else `DOCUMENT_PARSE_FAILED`. */
  readonly code: 'DOCUMENT_PARSE_FAILED' | 'DOCUMENT_EMPTY';
  readonly status = 422;
  readonly reason: DocumentParseFailure;
  constructor(reason: DocumentParseFailure, message: string, hint: string, options?: { cause?: unknown }) {
    super(message, hint, options);
    this.name = 'DocumentParseError';
    this.reason = reason;
    this.code = reason === 'no-text' ? 'DOCUMENT_EMPTY' : 'DOCUMENT_PARSE_FAILED';
  }
}

export type DocumentLimit = 'bytes' | 'pages' | 'characters';

/** The file is past one of the parse limits (413). */
export class DocumentTooLargeError extends DocumentError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  readonly status = 413;
  readonly limit: DocumentLimit;
  readonly max: number;
  readonly actual: number;
  constructor(limit: DocumentLimit, actual: number, max: number, message: string, hint: string) {
    super(message, hint);
    this.name = 'DocumentTooLargeError';
    this.limit = limit;
    this.actual = actual;
    this.max = max;
  }
}

export type IngestionError = UnsupportedDocumentError | DocumentParseError | DocumentTooLargeError;

export function isIngestionError(error: unknown): error is IngestionError {
  return error instanceof UnsupportedDocumentError || error instanceof DocumentParseError || error instanceof DocumentTooLargeError;
}

/** `"report.pdf"` in messages, or `"the document"` when the upload had no name. */
export function quoteName(filename: string | undefined): string {
  if (!filename) return 'The document';
  const base = filename.split(/[\\/]/).pop() ?? filename;
  const short = base.length > 80 ? `${base.slice(0, 77)}...` : base;
  return `"${short}"`;
}
