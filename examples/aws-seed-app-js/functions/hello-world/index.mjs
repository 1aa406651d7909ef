// The helper function the example invokes: greets the name it is given.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) => {
  const greeting = await context.step("greet", async () => `Hello, ${event.name ?? "World"}!`);
  return { statusCode: 200, greeting };
});
