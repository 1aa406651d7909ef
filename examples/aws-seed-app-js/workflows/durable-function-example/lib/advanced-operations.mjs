// The external system the workflow polls, and the isolated work of its child context.

// The system reports ready on the third check.
export async function checkSystemReadiness(state) {
  const attempt = state.attempts + 1;
  const ready = attempt >= 3;
  return {
    ready,
    attempts: attempt,
    lastCheck: {
      ready,
      attempt,
      note: ready ? `System ready after ${attempt} attempts` : `System not ready (attempt ${attempt})`,
    },
  };
}

export async function runIsolatedOperations(child) {
  const metadata = await child.step("metadata", async () => ({
    version: "1.0.0",
    processingNode: "child-context",
    isolated: true,
  }));
  const validation = await child.step("validate-config", async () => ({
    valid: true,
    configVersion: "2.1.0",
  }));
  return { metadata, validation };
}
