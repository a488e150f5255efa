// The Device seam faked for responder tests: every frame sent is copied and kept; `fail` makes sends fail.

export class FakeDevice {
  sent: Buffer[] = [];
  fail = false;
  send(frame: Uint8Array, length: number): boolean {
    if (this.fail) return false;
    this.sent.push(Buffer.from(frame.subarray(0, length)));
    return true;
  }
  take(): Buffer[] {
    const s = this.sent;
    this.sent = [];
    return s;
  }
}
