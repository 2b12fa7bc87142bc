/** Runs `count` numbered tasks on `lanes` concurrent lanes (each lane gets its own index). */
export async function onLanes(
  lanes: number,
  count: number,
  task: (i: number, lane: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, count) }, async (_, lane) => {
      while (next < count) await task(next++, lane);
    }),
  );
}
