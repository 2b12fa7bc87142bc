/** The server's clock: real time plus an offset tests can advance (token and authorization expiry). */
export class Clock {
  private offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advance(seconds: number): void {
    this.offsetMs += Math.round(seconds * 1000);
  }
  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }
}
