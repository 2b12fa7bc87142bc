/** The request journal tests assert on: one entry per request, in arrival order. */
export interface JournalEntry {
  seq: number;
  op: string;
  method: string;
  path: string;
  /** HTTP status sent; for drop_after_commit the status the lost response had; 0 when nothing was sent. */
  status: number;
  code?: string;
  fault?: string;
  uploadUrlId?: string;
  at: number;
}

const MAX_ENTRIES = 100_000;

export class Journal {
  private entries: JournalEntry[] = [];
  private seq = 0;

  add(entry: Omit<JournalEntry, "seq">): void {
    this.entries.push({ seq: ++this.seq, ...entry });
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
  }
  list(): JournalEntry[] {
    return this.entries;
  }
  clear(): void {
    this.entries = [];
  }
}
