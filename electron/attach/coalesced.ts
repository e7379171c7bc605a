// One mirror refresh at a time: a refresh asked for while one runs gets exactly one more run after it (the running
// one may have read the list before the change that prompted the ask), however many asks came meanwhile.
export function coalesced(run: () => Promise<void>, stopped: () => boolean = () => false): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const start = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        await run();
      } finally {
        running = null;
        if (again && !stopped()) {
          again = false;
          void start();
        }
      }
    })();
    return running;
  };
  return start;
}
