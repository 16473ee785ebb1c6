import type { Readable } from 'node:stream';

/**
 * Ends the streams of a data copy when the task's signal aborts (the service is stopping,
 * the task was cancelled or taken over): drivers take no signal, but a copy whose source
 * stream fails ends at once, so a stop does not wait for gigabytes to finish and no
 * abandoned copy keeps writing beside the run that resumes it. Returns the un-hook.
 */
export function destroyOnAbort(signal: AbortSignal, ...streams: readonly Readable[]): () => void {
  const end = () => {
    const reason = signal.reason instanceof Error ? signal.reason : new Error('operation aborted');
    for (const s of streams) {
      // The consumer may not be reading yet; its own read then fails with the reason.
      s.on('error', () => undefined);
      s.destroy(reason);
    }
  };
  if (signal.aborted) {
    end();
    return () => undefined;
  }
  signal.addEventListener('abort', end, { once: true });
  return () => signal.removeEventListener('abort', end);
}
