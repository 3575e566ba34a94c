// Runs a task every interval, in the background (the timer never keeps the process alive); a failure is reported
// and the next tick tries again. For transit's reloads and resyncs (the settler has a loop of its own).
export function every(intervalMs: number, task: () => Promise<unknown>, onError: (error: unknown) => void): { stop(): void } {
  const timer = setInterval(() => {
    task().catch(onError);
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
