/**
 * Writes small, valid PDF files by hand for tests: pages of text lines in the standard
 * Helvetica fonts (no embedding needed), a correct cross-reference table, and optionally an
 * /Encrypt dictionary whose user password is not empty, so readers ask for a password.
 */

export interface PdfLine {
  text: string;
  /** Baseline position in points from the bottom-left corner. */
  x: number;
  y: number;
  /** Font size in points; 11 when omitted. */
  size?: number;
  bold?: boolean;
}

export interface MinimalPdfOptions {
  /** One entry per page. */
  pages: PdfLine[][];
  title?: string;
  /** Adds a standard-security-handler /Encrypt dictionary that no empty password opens. */
  encrypted?: boolean;
}

/** Characters WinAnsiEncoding places outside Latin-1. */
const WIN_ANSI: Record<string, string> = { '€': '\x80', '‘': '\x91', '’': '\x92', '“': '\x93', '”': '\x94', '•': '\x95', '–': '\x96', '—': '\x97' };

/** PDF string literal in WinAnsiEncoding (as a Latin-1 JavaScript string): backslash and parentheses escaped. */
function pdfString(text: string): string {
  return `(${text.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[€‘’“”•–—]/g, (c) => WIN_ANSI[c]!)})`;
}

export function minimalPdf(options: MinimalPdfOptions): Uint8Array {
  const objects: string[] = [];
  const add = (body: string): number => {
    objects.push(body);
    return objects.length;
  };
  const catalog = add('');
  const pagesId = add('');
  const regular = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const bold = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>');
  const pageIds: number[] = [];
  for (const lines of options.pages) {
    const content = lines
      .map((line) => `BT /${line.bold ? 'F2' : 'F1'} ${line.size ?? 11} Tf ${line.x} ${line.y} Td ${pdfString(line.text)} Tj ET`)
      .join('\n');
    const contentId = add(`<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`);
    pageIds.push(
      add(
        `<< /Type /Page /Parent ${pagesId} 0 R /MediaBox [0 0 612 792] /Contents ${contentId} 0 R ` +
          `/Resources << /Font << /F1 ${regular} 0 R /F2 ${bold} 0 R >> >> >>`,
      ),
    );
  }
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pagesId} 0 R >>`;
  objects[pagesId - 1] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pageIds.length} >>`;
  const info = options.title === undefined ? undefined : add(`<< /Title ${pdfString(options.title)} >>`);
  const encrypt = options.encrypted
    ? add(`<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <${'ab'.repeat(32)}> /U <${'cd'.repeat(32)}> >>`)
    : undefined;

  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${index + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  const trailer = [`/Size ${objects.length + 1}`, `/Root ${catalog} 0 R`];
  if (info !== undefined) trailer.push(`/Info ${info} 0 R`);
  if (encrypt !== undefined) trailer.push(`/Encrypt ${encrypt} 0 R`, `/ID [<${'01'.repeat(16)}> <${'01'.repeat(16)}>]`);
  out += `trailer\n<< ${trailer.join(' ')} >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, 'latin1'));
}
