/** How a whole-file download is cut into ranges, and the lanes that fetch them. */

/**
 * The ranges after the first answer's `first` bytes: each at least `chunkSize` (unless the rest
 * is smaller) and at most `maxRange`, as equal as possible, and a multiple of `lanes` in number
 * when that keeps them at least `chunkSize`, so that the lanes finish together.
 */
export function planRanges(total: number, first: number, chunkSize: number, lanes: number, maxRange: number): [number, number][] {
  const rest = total - first;
  if (rest <= 0) return [];
  let count = Math.ceil(rest / maxRange);
  count = Math.ceil(count / lanes) * lanes;
  count = Math.max(1, Math.min(count, Math.floor(rest / chunkSize)));
  const size = Math.ceil(rest / count);
  const out: [number, number][] = [];
  for (let start = first; start < total; start += size) out.push([start, Math.min(total, start + size) - 1]);
  return out;
}

/**
 * Runs `work(0..count-1)` on `lanes` concurrent lanes, each taking the next index when it is
 * free. The first failure stops the lanes from taking more and rejects once all have stopped.
 */
export async function runLanes(count: number, lanes: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (!failure && next < count) {
      const index = next++;
      try {
        await work(index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, count) }, lane));
  if (failure) throw failure.error;
}
