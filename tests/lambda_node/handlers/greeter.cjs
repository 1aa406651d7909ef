// The function the order invokes, written as CommonJS (require, module.exports), which
// Lambda's Node.js runtime loads with require().
const { withDurableExecution } = require("@aws/durable-execution-sdk-js");

exports.handler = withDurableExecution(async (event, context) =>
  context.step("greet", async () => `thank you, ${event.name}`),
);
