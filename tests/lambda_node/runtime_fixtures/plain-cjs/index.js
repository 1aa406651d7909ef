// A .js file with no "type": "module" above it: CommonJS, loaded through require().
// Callback-style, as Lambda's Node.js runtimes up to 22 still call handlers.
exports.handler = (event, context, callback) => {
  setTimeout(() => callback(null, { loadedAs: "commonjs", callback: true, echo: event }), 5);
};

exports.fails = (event, context, callback) => callback(new Error("callback error"));
