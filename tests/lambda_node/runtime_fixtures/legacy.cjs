// A .cjs file, loaded through require(); context.succeed as old handlers use it.
module.exports.handler = (event, context) => {
  context.succeed({ loadedAs: "cjs" });
};
