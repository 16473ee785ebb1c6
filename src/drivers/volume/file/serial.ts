/**
 * Runs async sections one after another: the backend's directory is one shared structure
 * (backing chains, renames), so its changes must not interleave.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.tail.then(section, section);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
