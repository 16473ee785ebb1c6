/** Waits for the promises to settle, or `ms`, whichever comes first; true if all settled. */
export async function settleWithin(
  promises: readonly Promise<unknown>[],
  ms: number,
): Promise<boolean> {
  if (promises.length === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const all = Promise.allSettled(promises).then(() => true);
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([all, late]);
  } finally {
    clearTimeout(timer);
  }
}
